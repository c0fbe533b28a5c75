// Lesson 5's words in English and Chinese: its title, summary and text (markup: ../prose.js), and the
// labels of its widget. Data only; widget.js builds the live part.

export const title = { en: 'Why one sample is enough', zh: '为什么一个样本就够' };

export const summary = {
  en: 'Train with $K$ = 1, 5 and 50 samples of $z$ per image — the K-sample ELBO and the importance-weighted bound — and compare learning curves and gradient noise.',
  zh: '每张图像分别用 $K$ = 1、5、50 个 $z$ 样本训练——K 样本 ELBO 和重要性加权下界——比较学习曲线和梯度噪声。',
};

export const text = {
  en: String.raw`
## One sample, unbiased

The reconstruction term is an expectation over $q(z \given x)$. Training does not need its value, only an unbiased estimate of its gradient: stochastic gradient descent averages the noise away over many steps. With the reparameterization of [lesson 3](lesson:reparameterization), one draw of $\varepsilon$ per image gives such an estimate:

$$\nabla \ELBO(x) \approx \nabla \log p_\theta\big(x \given \mu_\phi(x) + \sigma_\phi(x) \odot \varepsilon\big) - \nabla \KL\big(q_\phi(z \given x)\,\|\,p(z)\big), \qquad \varepsilon \sim \N(0, I).$$

Why is one draw enough in practice?

- The gradient is already an average over a batch of images, each with its own $\varepsilon$. Choosing *which* images adds noise too, and usually more than choosing $\varepsilon$.
- After a little training $q(z \given x)$ is narrow in the dimensions that matter ($\sigma \ll 1$), so different draws decode to nearly the same image and give nearly the same gradient.
- Each extra sample costs a full decoder pass. With $K$ samples a step costs about $K$ times as much decoder work; the same work could process $K$ times as many images.

## K samples, two ways to use them

The **K-sample ELBO** averages the reconstruction term over $K$ codes per image. It is the same bound, with $K$ times less sampling variance in its gradient:

$$\frac{1}{K}\sum_{k=1}^{K} \log p_\theta(x \given z_k) - \KL\big(q_\phi(z \given x)\,\|\,p(z)\big), \qquad z_k = \mu_\phi(x) + \sigma_\phi(x) \odot \varepsilon_k.$$

The **importance-weighted objective** (IWAE, Burda et al., 2016) puts the $K$ samples inside the logarithm and trains the tighter bound $\L_K$ of [lesson 2](lesson:elbo):

$$\log \frac{1}{K}\sum_{k=1}^{K} \frac{p_\theta(x, z_k)}{q_\phi(z_k \given x)}.$$

Its gradient weighs each sample by its normalized importance weight, so codes that explain $x$ well count more. It usually reaches a better log-likelihood, and it no longer forces $q$ to match the posterior closely. But Rainforth et al. (2018) found a catch: as $K$ grows, the decoder's gradient gets cleaner while the encoder's signal shrinks faster than its noise — its signal-to-noise ratio falls like $1/\sqrt{K}$. A tighter bound can leave a worse encoder.

## The experiment

The widget trains a fresh model for each $K$ with the same seed — same initial weights, same batches in the same order — one after another. At five points of each run it draws the gradient of one fixed batch many times with fresh $\varepsilon$ (without updating the weights) and reports how much it varies. The signal-to-noise ratio is $\sqrt{\overline{(\E g)^2} / \overline{\operatorname{Var} g}}$, averaged over the parameters of the encoder or of the decoder.

@widget

What to look for:

- Per optimizer step, more samples help a little. Per unit of decoder work (switch the x axis), $K = 1$ is usually ahead.
- For the K-sample ELBO the gradient's variance over $\varepsilon$ falls roughly like $1/K$ at the start, where all runs share the same weights. When the signal-to-noise ratio is already well above 1, making the noise smaller buys little.
- Switch the objective to IWAE and run again: the decoder's signal-to-noise ratio grows with $K$, the encoder's does not.

Q: So is $K = 1$ always the right choice?
For the plain ELBO, almost always: spend the compute on more images or more steps instead. More samples matter when the bound itself changes with $K$ (IWAE), when evaluating log-likelihoods ([lesson 2](lesson:elbo) uses 5,000), or when the noise per image dominates, as with very small batches.

Q: Why are the curves with large K slower to compute but not much better per step?
Most of a step's gradient noise comes from the batch, and averaging more codes for the same images does not touch that. What K buys — a less noisy estimate of each image's expectation — is a small part of the total once $\sigma$ has become small.
`,
  zh: String.raw`
## 一个样本，无偏

重构项是关于 $q(z \given x)$ 的期望。训练并不需要它的值，只需要它梯度的一个无偏估计：随机梯度下降会在许多步中把噪声平均掉。借助[第 3 课](lesson:reparameterization)的重参数化，每张图像抽一次 $\varepsilon$ 就能得到这样的估计：

$$\nabla \ELBO(x) \approx \nabla \log p_\theta\big(x \given \mu_\phi(x) + \sigma_\phi(x) \odot \varepsilon\big) - \nabla \KL\big(q_\phi(z \given x)\,\|\,p(z)\big), \qquad \varepsilon \sim \N(0, I).$$

为什么实践中抽一次就够？

- 梯度本来就是对一批图像求的平均，每张图像各有自己的 $\varepsilon$。选*哪些*图像同样带来噪声，而且通常比选 $\varepsilon$ 带来的更多。
- 训练一段时间后，$q(z \given x)$ 在要紧的维度上已经很窄（$\sigma \ll 1$），不同的抽取解码出的图像几乎一样，梯度也几乎一样。
- 每多一个样本，就多一次完整的解码。用 $K$ 个样本，每一步的解码工作量约为原来的 $K$ 倍；同样的工作量本可以处理 $K$ 倍的图像。

## K 个样本的两种用法

**K 样本 ELBO** 对每张图像的 $K$ 个编码求重构项的平均。下界不变，梯度的采样方差变为原来的 $1/K$：

$$\frac{1}{K}\sum_{k=1}^{K} \log p_\theta(x \given z_k) - \KL\big(q_\phi(z \given x)\,\|\,p(z)\big), \qquad z_k = \mu_\phi(x) + \sigma_\phi(x) \odot \varepsilon_k.$$

**重要性加权目标**（IWAE，Burda 等，2016）把 $K$ 个样本放进对数里面，训练的是[第 2 课](lesson:elbo)中更紧的下界 $\L_K$：

$$\log \frac{1}{K}\sum_{k=1}^{K} \frac{p_\theta(x, z_k)}{q_\phi(z_k \given x)}.$$

它的梯度按归一化的重要性权重给每个样本加权，能很好解释 $x$ 的编码分量更重。它通常能得到更好的对数似然，也不再强迫 $q$ 紧贴后验。但 Rainforth 等（2018）发现了一个问题：$K$ 增大时，解码器的梯度越来越干净，编码器梯度里的信号却比噪声缩小得更快——它的信噪比按 $1/\sqrt{K}$ 下降。下界更紧，编码器反而可能更差。

## 实验

控件为每个 $K$ 依次从头训练一个模型，种子相同——初始权重相同，批次和顺序也相同。在每次训练的五个时间点，它对同一个固定的批次、用新抽的 $\varepsilon$ 反复计算梯度（不更新权重），报告梯度的波动有多大。信噪比定义为 $\sqrt{\overline{(\E g)^2} / \overline{\operatorname{Var} g}}$，分别对编码器和解码器的参数求平均。

@widget

可以留意：

- 按优化步数看，样本多一点略有帮助；按解码工作量看（切换横轴），$K = 1$ 通常领先。
- 对 K 样本 ELBO，在所有训练共享同一组权重的起点，梯度关于 $\varepsilon$ 的方差大致按 $1/K$ 下降。信噪比已经明显大于 1 时，再压低噪声收效甚微。
- 把目标切换成 IWAE 再跑一遍：解码器的信噪比随 $K$ 增大，编码器的则不然。

Q: 那么 $K = 1$ 总是对的吗？
对普通 ELBO，几乎总是：把算力花在更多图像或更多步数上更划算。下界本身随 $K$ 改变时（IWAE）、估计对数似然时（[第 2 课](lesson:elbo)用了 5000 个样本），或者每张图像的噪声占主导时（比如批次非常小），多个样本才有意义。

Q: 为什么 K 大的曲线算得更慢，每一步却没好多少？
一步梯度中的噪声大多来自批次的选择，对同一批图像多平均几个编码，碰不到这部分噪声。K 换来的——对每张图像期望的更准估计——在 $\sigma$ 变小之后只占总噪声的一小部分。
`,
};

export const T = {
  objective: { en: 'Objective', zh: '目标' },
  elbo: { en: 'K-sample ELBO', zh: 'K 样本 ELBO' },
  iwae: { en: 'IWAE', zh: 'IWAE' },
  ks: { en: 'K values', zh: 'K 的取值' },
  steps: { en: 'Steps per run', zh: '每次训练的步数' },
  repeats: { en: 'Gradient draws', zh: '梯度抽取次数' },
  run: { en: 'Run again', zh: '重新运行' },
  xAxis: { en: 'x axis', zh: '横轴' },
  bySteps: { en: 'steps', zh: '步数' },
  byWork: { en: 'decoder work (steps × K)', zh: '解码工作量（步数 × K）' },
  lossTitle: { en: 'Training loss −ELBO (smoothed)', zh: '训练损失 −ELBO（平滑后）' },
  snrTitle: { en: 'Gradient signal-to-noise ratio over ε', zh: '梯度关于 ε 的信噪比' },
  nats: { en: 'nats', zh: '奈特' },
  snr: { en: 'SNR', zh: '信噪比' },
  encoder: { en: 'encoder', zh: '编码器' },
  decoder: { en: 'decoder', zh: '解码器' },
};
