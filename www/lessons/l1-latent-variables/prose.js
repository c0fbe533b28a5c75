// Lesson 1's words in English and Chinese: its title, summary and text (markup: ../prose.js), and the
// labels of its widget. Data only; widget.js builds the live part.

export const title = { en: 'Latent variables', zh: '隐变量' };

export const summary = {
  en: 'A digit is generated from a hidden code: $p(x) = \\int p(x|z)\\,p(z)\\,dz$. Easy to write down, hopeless to compute by sampling the prior.',
  zh: '数字由一个看不见的编码生成：$p(x) = \\int p(x|z)\\,p(z)\\,dz$。写下来容易，靠从先验采样来算却毫无希望。',
};

export const text = {
  en: String.raw`
## The generative story

Before anyone writes a digit, some decisions are already made: which digit, how slanted, how thick the stroke, how round the loops. None of them is a pixel, yet every pixel depends on them. A latent-variable model makes this two-step story explicit: first draw a code $z$ from a simple distribution, then draw the image from a distribution that depends on the code:

$$z \sim p(z) = \N(0, I), \qquad x \sim p_\theta(x \given z).$$

In this lab $z$ has a few dozen dimensions, and $p_\theta(x \given z)$ is a neural network, the **decoder**, that turns $z$ into 784 pixel probabilities $\pi = \mathrm{sigmoid}(f_\theta(z))$; each pixel is then a coin flip with its own bias:

$$p_\theta(x \given z) = \prod_{i=1}^{784} \pi_i^{x_i}(1-\pi_i)^{1-x_i}.$$

The probability the model gives an image is what remains when we forget the code, that is, average over all codes:

$$p_\theta(x) = \int p_\theta(x \given z)\, p(z) \dd z = \E_{z\sim p(z)}\big[\,p_\theta(x \given z)\,\big].$$

Each code on its own gives a plain distribution (independent pixels). A mixture of infinitely many of them, weighted by $p(z)$, can be as intricate as handwriting: it can put nearly all its mass on the thin set of images that look like digits. Training means choosing $\theta$ so that $\log p_\theta(x)$ is large for the training images.

Q: Why is a standard normal prior enough? Wouldn't a learned prior be better?
The decoder can warp space. In one dimension, $z \mapsto F^{-1}(\Phi(z))$ turns a standard normal into any distribution with distribution function $F$; a network can learn warps like that in many dimensions. Fixing $p(z) = \N(0, I)$ therefore costs little, while it makes sampling trivial and the KL term of [lesson 3](lesson:reparameterization) a closed formula. Learned priors do help in practice, but as a refinement, not a necessity.

## Why the integral is hard

With a nonlinear decoder the integral has no closed form, so it has to be estimated. The obvious estimator samples the prior:

$$p_\theta(x) \approx \frac{1}{k}\sum_{i=1}^{k} p_\theta(x \given z_i), \qquad z_i \sim p(z).$$

It is unbiased and it converges — eventually. The trouble is how rarely a random code explains a *particular* image. A code from the prior decodes to some digit, usually a different one, and under those pixel probabilities this image is astronomically unlikely: $\log p_\theta(x \given z)$ is typically hundreds of nats below its value at a good code. The average is carried by the very few codes that land in the small region that fits $x$. Roughly, the number of samples needed grows like $e^{\KL(p(z \given x)\,\|\,p(z))}$: exponentially in how much the image reveals about its code. For a trained model that is tens of nats, far more samples than anyone could draw.

Importance sampling draws the codes from a distribution $q(z \given x)$ that is concentrated where the good codes are, and corrects for it with weights:

$$p_\theta(x) = \E_{z\sim q(z \given x)}\!\left[\frac{p_\theta(x \given z)\, p(z)}{q(z \given x)}\right] \approx \frac{1}{k}\sum_{i=1}^{k} w_i, \qquad w_i = \frac{p_\theta(x \given z_i)\, p(z_i)}{q(z_i \given x)}.$$

Any $q$ that covers the right region gives an unbiased estimate; a good one keeps the weights within a narrow range, so the estimate settles after a handful of samples. A variational autoencoder learns such a $q$, the **encoder**, together with the decoder. The widget compares both proposals on one test digit while the lesson's model trains.

@widget

Read the chart from left to right. Both curves estimate the same number, $\log p_\theta(x)$. With codes from the encoder (blue) the estimate settles after a few samples. With codes from the prior (red) it starts far lower and climbs in jumps: each jump is a lucky code that fits the digit better than every one before, and between jumps a single sample dominates the sum — the effective sample size stays near 1 however many codes are drawn. Early in training the two curves are close, because the decoder hardly cares which code it gets; as codes become specific, the prior falls behind.

Q: The prior estimator is unbiased. How can it be so wrong?
It is unbiased for $p(x)$, not for $\log p(x)$, and its accuracy hides in rare events. The average $\frac1k\sum_i w_i$ is right on average only thanks to samples you almost never see; a typical run of $k$ samples misses them and lands far below the truth. Jensen's inequality gives $\E[\log \hat p] \le \log p$, and with weights this heavy-tailed the gap stays large until $k$ reaches the astronomical scale above.

Q: Why not integrate on a grid instead of sampling?
Ten points per dimension in a 20-dimensional latent space is $10^{20}$ decoder evaluations for a single image. The region that matters is a tiny ellipsoid somewhere inside; a grid, like the prior, spends nearly all its effort elsewhere.

> Figures are in nats (natural logarithms; 1 nat ≈ 1.44 bits). As in PyTorch's VAE example, grey pixel values serve as the Bernoulli targets, so $\log p(x)$ is not strictly the log-probability of a grey image; the comparison between proposals holds regardless.
`,
  zh: String.raw`
## 生成的故事

一个人动笔写数字之前，有些事已经定下来了：写哪个数字、斜多少、笔画多粗、圈有多圆。这些决定都不是像素，却左右着每一个像素。隐变量模型把这个两步的故事写明：先从一个简单的分布里抽出编码 $z$，再从依赖于这个编码的分布里生成图像：

$$z \sim p(z) = \N(0, I), \qquad x \sim p_\theta(x \given z).$$

在这个实验台里，$z$ 有几十维，$p_\theta(x \given z)$ 是一个神经网络，即**解码器**。它把 $z$ 变成 784 个像素的概率 $\pi = \mathrm{sigmoid}(f_\theta(z))$，每个像素再按各自的概率抛一次硬币：

$$p_\theta(x \given z) = \prod_{i=1}^{784} \pi_i^{x_i}(1-\pi_i)^{1-x_i}.$$

模型给一张图像的概率，就是把编码"忘掉"之后剩下的东西，也就是对所有编码求平均：

$$p_\theta(x) = \int p_\theta(x \given z)\, p(z) \dd z = \E_{z\sim p(z)}\big[\,p_\theta(x \given z)\,\big].$$

单看一个编码，它给出的分布很朴素（像素之间相互独立）；但无穷多个这样的分布按 $p(z)$ 加权混合起来，就能像手写体一样复杂——几乎全部概率都可以落在"看起来像数字"的那一小片图像上。所谓训练，就是选择 $\theta$，让训练图像的 $\log p_\theta(x)$ 尽量大。

Q: 为什么标准正态先验就够用？学一个先验不是更好吗？
因为解码器可以扭曲空间。在一维里，$z \mapsto F^{-1}(\Phi(z))$ 能把标准正态变成任何分布函数为 $F$ 的分布；神经网络在高维里也能学到类似的变换。所以固定 $p(z) = \N(0, I)$ 代价很小，却让采样变得轻而易举，也让[第 3 课](lesson:reparameterization)里的 KL 项有了解析式。可学习的先验在实践中确实有用，但那是锦上添花，不是非有不可。

## 为什么这个积分难算

解码器是非线性的，积分没有解析解，只能估计。最直接的做法是从先验采样：

$$p_\theta(x) \approx \frac{1}{k}\sum_{i=1}^{k} p_\theta(x \given z_i), \qquad z_i \sim p(z).$$

这个估计无偏，也终究会收敛。麻烦在于，随手抽一个编码，几乎不可能恰好解释*这一张*图像。先验里抽出的编码会解码成某个数字，通常是另一个；在那组像素概率下，这张图像的可能性小得惊人：$\log p_\theta(x \given z)$ 往往比好编码低几百奈特。于是平均值几乎全靠极少数落进"合适区域"的编码撑着。粗略地说，所需的样本数按 $e^{\KL(p(z \given x)\,\|\,p(z))}$ 增长：图像对编码透露的信息越多，样本数就指数级地越多。对训练好的模型，这个 KL 有几十奈特，需要的样本远远超出任何人能抽的数量。

重要性采样换一个思路：从一个集中在好编码附近的分布 $q(z \given x)$ 里抽样，再用权重把偏差纠正回来：

$$p_\theta(x) = \E_{z\sim q(z \given x)}\!\left[\frac{p_\theta(x \given z)\, p(z)}{q(z \given x)}\right] \approx \frac{1}{k}\sum_{i=1}^{k} w_i, \qquad w_i = \frac{p_\theta(x \given z_i)\, p(z_i)}{q(z_i \given x)}.$$

只要 $q$ 覆盖了正确的区域，估计就是无偏的；好的 $q$ 让各个权重落在一个窄的范围里，几个样本之后估计就稳定了。变分自编码器在学解码器的同时，也学这样一个 $q$，即**编码器**。下面的控件在一张测试数字上比较两种提议分布，本课的模型就在你眼前训练。

@widget

从左往右读这张图。两条曲线估计的是同一个数 $\log p_\theta(x)$。用编码器给的编码（蓝线），几个样本之后估计就稳定了。用先验的编码（红线），起点低得多，然后一跳一跳地往上爬：每一跳都是一个比之前所有编码都更贴合这个数字的幸运样本；两跳之间，总和被单独一个样本主宰——无论抽多少个，有效样本量都接近 1。训练刚开始时两条线很接近，因为解码器几乎不在乎拿到哪个编码；编码变得具体以后，先验就越落越远。

Q: 先验估计是无偏的，怎么会错得这么离谱？
它对 $p(x)$ 无偏，对 $\log p(x)$ 却不是，而且它的准确性藏在稀有事件里。$\frac1k\sum_i w_i$ 平均来说是对的，全靠那些几乎见不到的样本；一次典型的 $k$ 个样本会错过它们，落在真值下方很远的地方。由詹森不等式，$\E[\log \hat p] \le \log p$；权重的尾巴这么重，在 $k$ 达到上面说的天文数字之前，差距都很大。

Q: 为什么不在网格上积分，而要采样？
20 维隐空间每维取 10 个点，就是 $10^{20}$ 次解码，只为了一张图。真正要紧的区域是藏在其中某处的一个小椭球；网格和先验一样，几乎把全部力气都花在了别处。

> 数值的单位是奈特（自然对数；1 奈特约等于 1.44 比特）。与 PyTorch 的 VAE 示例一样，这里把灰度像素值当作伯努利目标，所以 $\log p(x)$ 并不严格是一张灰度图像的对数概率；两种提议分布之间的比较不受影响。
`,
};

export const T = {
  digitCaption: { en: 'The test digit x', zh: '测试数字 x' },
  priorCaption: { en: 'Codes from the prior N(0, I), decoded. Under each: log p(x|z) of the digit x, in nats.', zh: '从先验 N(0, I) 抽取的编码，解码后的样子。下方数字：这个编码下 x 的 log p(x|z)（奈特）。' },
  postCaption: { en: 'Codes from the encoder q(z|x), decoded, with their log p(x|z).', zh: '从编码器 q(z|x) 抽取的编码，解码后的样子，以及各自的 log p(x|z)。' },
  chartTitle: { en: 'Estimate of log p(x) after k samples', zh: '用 k 个样本估计的 log p(x)' },
  fromPrior: { en: 'z from the prior', zh: 'z 取自先验' },
  fromEncoder: { en: 'z from the encoder q(z|x)', zh: 'z 取自编码器 q(z|x)' },
  samples: { en: 'samples k', zh: '样本数 k' },
  nats: { en: 'nats', zh: '奈特' },
};
