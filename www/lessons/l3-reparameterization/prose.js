// Lesson 3's words in English and Chinese: its title, summary and text (markup: ../prose.js), and the
// labels of its widget. Data only; widget.js builds the live part.

export const title = { en: 'The reparameterization trick', zh: '重参数化技巧' };

export const summary = {
  en: 'To backpropagate through a random sample, move the randomness out of the way: $z = \\mu + \\sigma \\odot \\varepsilon$.',
  zh: '要让梯度穿过随机采样，就把随机性挪到一边：$z = \\mu + \\sigma \\odot \\varepsilon$。',
};

export const text = {
  en: String.raw`
## The problem

For each image the encoder outputs a mean $\mu_\phi(x)$ and a standard deviation $\sigma_\phi(x)$ for every latent dimension, which define $q_\phi(z \given x) = \N\big(\mu_\phi(x), \operatorname{diag}\sigma^2_\phi(x)\big)$. Training needs the gradient of the reconstruction term

$$\E_{z \sim q_\phi(z \given x)}\big[\log p_\theta(x \given z)\big]$$

with respect to the encoder's parameters $\phi$. But $\phi$ sits in the distribution we sample from, not in the function we average. A sampled $z$ is just a number; "how would this number change if $\phi$ changed a little?" has no answer as the sampling is written.

## The trick

Give the question an answer: draw noise that does not depend on $\phi$, and build $z$ from it with a differentiable map,

$$\varepsilon \sim \N(0, I), \qquad z = \mu_\phi(x) + \sigma_\phi(x) \odot \varepsilon.$$

This $z$ has exactly the distribution $q_\phi(z \given x)$. The expectation is now over $\varepsilon$, whose distribution is fixed, so the gradient can move inside it:

$$\nabla_\phi\, \E_{\varepsilon}\big[\log p_\theta(x \given \mu_\phi + \sigma_\phi \odot \varepsilon)\big] = \E_{\varepsilon}\big[\nabla_\phi \log p_\theta(x \given \mu_\phi + \sigma_\phi \odot \varepsilon)\big].$$

Inside the expectation is ordinary backpropagation: the decoder says which way $z$ should move, and the chain rule passes that on with $\partial z_j / \partial \mu_j = 1$ and $\partial z_j / \partial \sigma_j = \varepsilon_j$. One draw of $\varepsilon$ gives an unbiased estimate of the gradient. In practice the network outputs $\log \sigma^2$ rather than $\sigma$, and $\sigma = \exp(\tfrac12 \log\sigma^2)$ is positive without any constraint.

## The KL term needs no sampling

For Gaussians the second term of the ELBO is a formula, one term per dimension:

$$\KL\big(\N(\mu, \sigma^2)\,\|\,\N(0, 1)\big) = \tfrac12\big(\mu^2 + \sigma^2 - 1 - \log \sigma^2\big).$$

It is zero exactly when $\mu = 0$ and $\sigma = 1$: when the dimension tells nothing about $x$. Its gradient is exact, so only the reconstruction term carries sampling noise.

@widget

Each column of bars is one latent dimension of the chosen digit's code. The rows are $\mu$, $\sigma$, one draw of $\varepsilon$, and $z = \mu + \sigma \odot \varepsilon$, the code that is decoded. The digits below decode eight such draws: the variety the encoder allows for this image. Dimensions the model uses have $\sigma$ well below 1, because the image pins them down. Dimensions it does not use sit at $\mu \approx 0$, $\sigma \approx 1$, exactly the prior, and cost no KL (more in [lesson 7](lesson:latent-space)). The spread slider scales $\varepsilon$: at 0 you see the decoded mean, at 1 draws from $q(z \given x)$, above 1 codes the encoder would rarely produce.

Q: Is there another way to get this gradient?
Yes: the score-function estimator (REINFORCE), $\nabla_\phi \E_q[f(z)] = \E_q\big[f(z)\, \nabla_\phi \log q_\phi(z \given x)\big]$. It works for any distribution, even a discrete one, but it uses only the value of $f$, not its slope, and its variance is typically orders of magnitude larger. Reparameterization uses the decoder's own gradient, which says in which direction $z$ should move.

Q: Does it only work for Gaussians?
It works whenever a sample can be written as a differentiable function of noise that does not depend on the parameters: location–scale families (Gaussian, Laplace, logistic), distributions with an invertible distribution function, normalizing flows. Discrete variables need a relaxation such as Gumbel-softmax, or the score-function estimator.

Q: Why does the decoded mean look softer than a real digit?
Decoded images are pixel *probabilities*: in effect an average over all the images the model finds consistent with the code, and averages of slightly different strokes are soft. Sampling each pixel from its probability gives a binary image, but a speckled one, because pixels are independent given $z$.
`,
  zh: String.raw`
## 问题在哪

编码器为每张图像的每个隐变量维度输出一个均值 $\mu_\phi(x)$ 和一个标准差 $\sigma_\phi(x)$，它们定义了 $q_\phi(z \given x) = \N\big(\mu_\phi(x), \operatorname{diag}\sigma^2_\phi(x)\big)$。训练需要重构项

$$\E_{z \sim q_\phi(z \given x)}\big[\log p_\theta(x \given z)\big]$$

对编码器参数 $\phi$ 的梯度。可是 $\phi$ 出现在我们采样的那个分布里，而不在被平均的函数里。抽出来的 $z$ 只是一个数；按这种写法，"如果 $\phi$ 稍微变一点，这个数会怎么变"这个问题根本没有答案。

## 技巧

那就让这个问题有答案：先抽一份与 $\phi$ 无关的噪声，再用一个可微的映射从它构造出 $z$：

$$\varepsilon \sim \N(0, I), \qquad z = \mu_\phi(x) + \sigma_\phi(x) \odot \varepsilon.$$

这样得到的 $z$ 的分布恰好就是 $q_\phi(z \given x)$。而期望现在是对 $\varepsilon$ 取的，它的分布是固定的，于是梯度可以移进期望里面：

$$\nabla_\phi\, \E_{\varepsilon}\big[\log p_\theta(x \given \mu_\phi + \sigma_\phi \odot \varepsilon)\big] = \E_{\varepsilon}\big[\nabla_\phi \log p_\theta(x \given \mu_\phi + \sigma_\phi \odot \varepsilon)\big].$$

期望里面就是普通的反向传播：解码器告诉我们 $z$ 该往哪个方向动，链式法则再把它传下去，其中 $\partial z_j / \partial \mu_j = 1$，$\partial z_j / \partial \sigma_j = \varepsilon_j$。抽一次 $\varepsilon$，就得到梯度的一个无偏估计。实际中网络输出的是 $\log \sigma^2$ 而不是 $\sigma$，再用 $\sigma = \exp(\tfrac12 \log\sigma^2)$，不加任何约束也能保证它为正。

## KL 项不需要采样

对高斯分布，ELBO 的第二项有公式，每个维度一项：

$$\KL\big(\N(\mu, \sigma^2)\,\|\,\N(0, 1)\big) = \tfrac12\big(\mu^2 + \sigma^2 - 1 - \log \sigma^2\big).$$

它恰好在 $\mu = 0$、$\sigma = 1$ 时为零，也就是这一维对 $x$ 什么也没说的时候。它的梯度是精确的，所以只有重构项带着采样噪声。

@widget

每一列柱子是所选数字编码的一个隐变量维度。四行分别是 $\mu$、$\sigma$、一次抽取的 $\varepsilon$，以及真正被解码的 $z = \mu + \sigma \odot \varepsilon$。下方的数字是八次这样的抽取解码出来的样子：编码器为这张图像留出的变化范围。模型用到的维度，$\sigma$ 明显小于 1，因为图像把它们确定下来了；没用到的维度停在 $\mu \approx 0$、$\sigma \approx 1$，恰好就是先验，也不花费任何 KL（[第 7 课](lesson:latent-space)会细讲）。"散布"滑块缩放 $\varepsilon$：为 0 时看到的是均值的解码，为 1 时是从 $q(z \given x)$ 中抽样，大于 1 则是编码器很少会给出的编码。

Q: 还有别的办法求这个梯度吗？
有：得分函数估计（REINFORCE），$\nabla_\phi \E_q[f(z)] = \E_q\big[f(z)\, \nabla_\phi \log q_\phi(z \given x)\big]$。它对任何分布都适用，连离散分布也行；但它只用到 $f$ 的取值而不用它的斜率，方差通常大好几个数量级。重参数化用的是解码器自己的梯度，它直接告诉我们 $z$ 该往哪边走。

Q: 只对高斯分布有效吗？
只要样本能写成"与参数无关的噪声"的可微函数就行：位置–尺度族（高斯、拉普拉斯、逻辑斯谛分布）、分布函数可逆的分布、归一化流。离散变量需要 Gumbel-softmax 之类的松弛，或者改用得分函数估计。

Q: 为什么均值解码出来的数字比真实数字更柔和？
解码出的图像是像素的*概率*，相当于对所有与该编码相容的图像取平均，而略有不同的笔画平均起来就会发虚。按概率对每个像素采样能得到二值图像，但会满是噪点，因为给定 $z$ 时各像素相互独立。
`,
};

export const T = {
  spread: { en: 'Spread of ε', zh: 'ε 的散布' },
  resample: { en: 'Resample ε', zh: '重新抽取 ε' },
  barsCaption: { en: 'The code of the digit, one column per latent dimension: z = μ + σ ⊙ ε. Grey bands mark the prior’s ±1.', zh: '这个数字的编码，每列一个隐变量维度：z = μ + σ ⊙ ε。灰色带表示先验的 ±1。' },
  digitsCaption: {
    en: 'The digit x, the decoded mean μ, and eight decoded draws z = μ + s·σ ⊙ ε.',
    zh: '数字 x、均值 μ 的解码，以及八次抽取 z = μ + s·σ ⊙ ε 的解码。',
  },
};
