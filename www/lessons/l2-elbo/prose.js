// Lesson 2's words in English and Chinese: its title, summary and text (markup: ../prose.js), and the
// labels of its widget. Data only; widget.js builds the live part.

export const title = { en: 'The evidence lower bound', zh: '证据下界（ELBO）' };

export const summary = {
  en: 'Jensen’s inequality turns the intractable $\\log p(x)$ into a bound we can train; the slack is exactly how far the encoder is from the true posterior.',
  zh: '詹森不等式把算不出的 $\\log p(x)$ 变成一个能训练的下界；下界的松弛，恰好是编码器与真实后验的距离。',
};

export const text = {
  en: String.raw`
## From an average to a bound

[Lesson 1](lesson:latent-variables) wrote the evidence $p_\theta(x)$ as an average of importance weights under any distribution $q(z \given x)$:

$$\log p_\theta(x) = \log \E_{q(z \given x)}\!\left[\frac{p_\theta(x, z)}{q(z \given x)}\right].$$

The logarithm is concave, so the log of an average is at least the average of the logs (Jensen's inequality). Moving the log inside gives a lower bound:

$$\log p_\theta(x) \;\ge\; \E_{q(z \given x)}\!\left[\log \frac{p_\theta(x, z)}{q(z \given x)}\right] \;=:\; \ELBO(x).$$

In Bayesian language $p(x)$ is the *evidence* for the model, hence the name: evidence lower bound. The point of the swap is practical. The bound is an average of logs, not the log of an average, so a single sample of $z$ already gives an unbiased estimate of it, and of its gradient. That is what makes it trainable.

## How loose is the bound?

Factor the joint the other way round, $p_\theta(x, z) = p_\theta(z \given x)\, p_\theta(x)$, and the slack appears exactly:

$$\ELBO(x) = \E_{q}\!\left[\log p_\theta(x) + \log \frac{p_\theta(z \given x)}{q(z \given x)}\right] = \log p_\theta(x) - \KL\big(q(z \given x)\,\|\,p_\theta(z \given x)\big).$$

Rearranged, this is the identity behind everything that follows:

$$\log p_\theta(x) = \ELBO(x) + \KL\big(q(z \given x)\,\|\,p_\theta(z \given x)\big).$$

A KL divergence is never negative and is zero only when the two distributions agree. So raising the ELBO does two things at once: it raises $\log p_\theta(x)$ (the decoder gets better) or it shrinks the mismatch between $q$ and the true posterior (the encoder gets better). The true posterior is never computed; it enters only through the gap, which training pushes down without ever measuring it.

## The form we train

Factor the joint as $p_\theta(x, z) = p_\theta(x \given z)\, p(z)$ instead:

$$\ELBO(x) = \underbrace{\E_{q(z \given x)}\big[\log p_\theta(x \given z)\big]}_{\text{reconstruction}} \;-\; \underbrace{\KL\big(q(z \given x)\,\|\,p(z)\big)}_{\text{distance to the prior}}.$$

The first term asks codes drawn from $q$ to decode back into $x$; the second keeps $q$ close to the prior, so that the codes drawn from the prior when generating look like the codes the decoder was trained on. Both are computable: the first by sampling ([lesson 3](lesson:reparameterization)), the second by a formula for Gaussians. [Lesson 4](lesson:recon-vs-kl) looks at the two terms in detail.

## Tighter bounds from more samples

Jensen's gap shrinks when the quantity inside the log is less random. Averaging $k$ importance weights before taking the log gives the importance-weighted bound of Burda, Grosse and Salakhutdinov (2016):

$$\L_k(x) = \E_{z_1,\dots,z_k \sim q(z \given x)}\left[\log \frac{1}{k}\sum_{i=1}^{k} \frac{p_\theta(x, z_i)}{q(z_i \given x)}\right].$$

It climbs with $k$ and closes the gap in the limit:

$$\ELBO = \L_1 \le \L_2 \le \dots \le \L_k \le \log p_\theta(x), \qquad \lim_{k\to\infty} \L_k = \log p_\theta(x).$$

That gives us a ruler. For large $k$, $\L_k$ comes close to $\log p_\theta(x)$, so $\L_k - \ELBO$ shows how much of the gap $\KL(q \,\|\, p(z \given x))$ we can see. The widget draws the whole curve for one digit, on the lesson's model as it trains.

@widget

The dashed line is the ELBO of the digit: the mean of 5,000 single-sample estimates. The rising curve is $\L_k$, each point averaged over ⌊5000/k⌋ independent groups of $k$ samples (the rightmost points rest on few groups and wobble more). It climbs steeply over the first few samples and then flattens as it approaches $\log p_\theta(x)$. The height from the dashed line to the top of the curve is a lower estimate of the posterior mismatch $\KL(q(z \given x)\,\|\,p_\theta(z \given x))$: typically a few nats, next to a $\log p(x)$ of around −100. Try digits that are written unusually. Their gap is often larger, because the encoder must serve every digit with one network and fits the odd ones less well.

Q: If maximizing the ELBO shrinks the gap, why is the gap not zero after training?
Two reasons. The family is limited: $q$ is a Gaussian with a diagonal covariance, while the true posterior of a neural decoder need not be Gaussian or aligned with the axes (the *approximation gap*). And the encoder is one network for all images, so it cannot fit each image's posterior exactly (the *amortization gap*, see [lesson 9](lesson:em-to-vae)). A third effect works in our favour: the decoder is trained under the same bound, so it learns a model whose posteriors are easy for $q$ to match.

Q: Why not train on the tighter bound $\L_k$ directly?
You can: that is the importance-weighted autoencoder (IWAE). It reaches better log-likelihoods, but each image costs $k$ decoder passes, and as $k$ grows the encoder's gradient becomes noisy relative to its size. [Lesson 5](lesson:one-sample) trains both.

Q: Does "lower bound" mean every single-sample estimate is below $\log p(x)$?
No. The *expectation* is a lower bound. One sample of $\log p(x, z) - \log q(z \given x)$ can land above $\log p(x)$; on average it falls short by exactly the KL.
`,
  zh: String.raw`
## 从平均值到下界

[第 1 课](lesson:latent-variables)把证据 $p_\theta(x)$ 写成了任意分布 $q(z \given x)$ 下重要性权重的平均：

$$\log p_\theta(x) = \log \E_{q(z \given x)}\!\left[\frac{p_\theta(x, z)}{q(z \given x)}\right].$$

对数是凹函数，所以"平均值的对数"不小于"对数的平均值"（詹森不等式）。把对数移到期望里面，就得到一个下界：

$$\log p_\theta(x) \;\ge\; \E_{q(z \given x)}\!\left[\log \frac{p_\theta(x, z)}{q(z \given x)}\right] \;=:\; \ELBO(x).$$

在贝叶斯的语言里，$p(x)$ 叫作模型的*证据*（evidence），这个下界因此叫证据下界。这样交换的好处很实际：下界是对数的平均，而不是平均的对数，所以只抽一个 $z$ 就能得到它的无偏估计，梯度也一样。正因为如此，它才能拿来训练。

## 这个下界有多松？

把联合分布反过来分解，$p_\theta(x, z) = p_\theta(z \given x)\, p_\theta(x)$，差距就精确地显露出来：

$$\ELBO(x) = \E_{q}\!\left[\log p_\theta(x) + \log \frac{p_\theta(z \given x)}{q(z \given x)}\right] = \log p_\theta(x) - \KL\big(q(z \given x)\,\|\,p_\theta(z \given x)\big).$$

整理一下，就是后面所有内容的基础：

$$\log p_\theta(x) = \ELBO(x) + \KL\big(q(z \given x)\,\|\,p_\theta(z \given x)\big).$$

KL 散度永远不为负，只有两个分布相同时才为零。所以提高 ELBO 会同时做两件事：要么提高 $\log p_\theta(x)$（解码器变好），要么缩小 $q$ 与真实后验之间的差距（编码器变好）。真实后验从头到尾都不需要算出来；它只藏在这个差距里，训练在从不测量它的情况下把它往下压。

## 实际训练的形式

改用 $p_\theta(x, z) = p_\theta(x \given z)\, p(z)$ 来分解：

$$\ELBO(x) = \underbrace{\E_{q(z \given x)}\big[\log p_\theta(x \given z)\big]}_{\text{重构}} \;-\; \underbrace{\KL\big(q(z \given x)\,\|\,p(z)\big)}_{\text{与先验的距离}}.$$

第一项要求从 $q$ 抽出的编码能解码回 $x$；第二项让 $q$ 贴近先验，这样生成时从先验抽出的编码，才会像解码器训练时见过的那些编码。两项都算得出来：第一项靠采样（[第 3 课](lesson:reparameterization)），第二项对高斯分布有公式。[第 4 课](lesson:recon-vs-kl)会细看这两项。

## 多几个样本，下界更紧

对数里面的量越不随机，詹森不等式的差距就越小。先把 $k$ 个重要性权重平均，再取对数，就得到 Burda、Grosse 和 Salakhutdinov（2016）的重要性加权下界：

$$\L_k(x) = \E_{z_1,\dots,z_k \sim q(z \given x)}\left[\log \frac{1}{k}\sum_{i=1}^{k} \frac{p_\theta(x, z_i)}{q(z_i \given x)}\right].$$

它随 $k$ 单调上升，并在极限处合上差距：

$$\ELBO = \L_1 \le \L_2 \le \dots \le \L_k \le \log p_\theta(x), \qquad \lim_{k\to\infty} \L_k = \log p_\theta(x).$$

这给了我们一把尺子。$k$ 很大时 $\L_k$ 接近 $\log p_\theta(x)$，于是 $\L_k - \ELBO$ 就显示出差距 $\KL(q \,\|\, p(z \given x))$ 中我们能看到的部分。下面的控件为一个数字画出整条曲线，用的是本课正在训练的模型。

@widget

虚线是这个数字的 ELBO：5000 个单样本估计的平均。上升的曲线是 $\L_k$，每个点都是 ⌊5000/k⌋ 组、每组 $k$ 个独立样本的平均（最右边的点只有几组，抖动更大）。它在最初几个样本里陡峭上升，然后逐渐变平，逼近 $\log p_\theta(x)$。从虚线到曲线顶端的高度，是后验差距 $\KL(q(z \given x)\,\|\,p_\theta(z \given x))$ 的一个偏低的估计：通常只有几奈特，而 $\log p(x)$ 在 −100 左右。试试那些写得比较特别的数字，它们的差距往往更大，因为编码器要用同一个网络服务所有数字，对少见的写法拟合得不够好。

Q: 既然最大化 ELBO 会缩小差距，为什么训练完差距还不是零？
有两个原因。一是分布族有限：$q$ 是对角协方差的高斯分布，而神经网络解码器的真实后验未必是高斯的，也未必与坐标轴对齐（*近似差距*）。二是编码器用一个网络处理所有图像，不可能为每张图像都精确拟合后验（*摊销差距*，见[第 9 课](lesson:em-to-vae)）。还有第三个效应对我们有利：解码器也在同一个下界下训练，所以它会学出一个后验容易被 $q$ 拟合的模型。

Q: 为什么不直接训练更紧的 $\L_k$？
可以，这就是重要性加权自编码器（IWAE）。它能得到更好的对数似然，但每张图像要付出 $k$ 次解码；而且 $k$ 越大，编码器的梯度相对于其大小就越嘈杂。[第 5 课](lesson:one-sample)把两者都训练了一遍。

Q: "下界"是不是说每个单样本估计都低于 $\log p(x)$？
不是。下界指的是*期望*。单个样本 $\log p(x, z) - \log q(z \given x)$ 完全可能高于 $\log p(x)$；只是平均下来，它恰好少了那个 KL。
`,
};

export const T = {
  chartTitle: { en: 'The ELBO and the importance-weighted bound 𝓛ₖ of one digit', zh: '一个数字的 ELBO 与重要性加权下界 𝓛ₖ' },
  bound: { en: '𝓛ₖ (average over groups)', zh: '𝓛ₖ（分组平均）' },
  oneRun: { en: 'one run of k samples', zh: '单次 k 个样本' },
  elbo: { en: 'ELBO', zh: 'ELBO' },
  chosen: { en: 'chosen k', zh: '所选 k' },
  samples: { en: 'samples k', zh: '样本数 k' },
  nats: { en: 'nats', zh: '奈特' },
  digitCaption: { en: 'x and its reconstruction from μ', zh: 'x 及其由 μ 解码的重构' },
};
