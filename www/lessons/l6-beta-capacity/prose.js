// Lesson 6's words in English and Chinese: its title, summary and text (markup: ../prose.js), and the
// labels of its widget. Data only; widget.js builds the live part.

export const title = { en: 'β-VAE and capacity', zh: 'β-VAE 与容量' };

export const summary = {
  en: 'Weigh the KL by β, or hold it at a growing capacity $C$: how much the code may say, watched on a two-dimensional latent space.',
  zh: '用 β 给 KL 加权，或把它控制在逐渐增大的容量 $C$：编码被允许说多少，在二维隐空间上看得清清楚楚。',
};

export const text = {
  en: String.raw`
## β as a price

[Lesson 4](lesson:recon-vs-kl) introduced the β-weighted objective of Higgins et al. (2017):

$$\L_\beta(x) = \E_{q(z \given x)}\big[-\log p_\theta(x \given z)\big] + \beta\,\KL\big(q(z \given x)\,\|\,p(z)\big).$$

- **β > 1** makes information in the code expensive. The encoder keeps only what buys the most reconstruction; posteriors widen toward the prior, the map of codes becomes smoother and the reconstructions blurrier. On data made of independent factors (position, size, rotation of a shape), strong pressure tends to align single latent dimensions with single factors. That "disentanglement" is what β-VAE was proposed for.
- **β < 1** makes bits cheap. Reconstructions sharpen, but each posterior shrinks and the codes spread out; together they no longer fill $\N(0, I)$, so samples from the prior fall into gaps the decoder has never been trained on and come out as blurred or mixed digits.

## The information-bottleneck view

Average the KL term over the data. With the *aggregate posterior* $q(z) = \E_{x}\big[q(z \given x)\big]$, the cloud of all codes, it splits into two parts, both non-negative (Hoffman and Johnson, 2016):

$$\E_{x}\Big[\KL\big(q(z \given x)\,\|\,p(z)\big)\Big] = I_q(x; z) + \KL\big(q(z)\,\|\,p(z)\big).$$

The first is the mutual information between an image and its code under the encoder; the second is how far the cloud of codes is from the prior. So the average KL bounds how much the code can tell about the image, and β is the price paid per nat. This is the information bottleneck of Tishby, Pereira and Bialek: keep what is needed to predict a target $y$, squeeze out the rest,

$$\max_{q(z \given x)} \; I(z; y) - \beta\, I(x; z),$$

with the image itself as the target $y$, which the reconstruction term stands in for.

## Capacity: a target instead of a price

A value of β sets a price, not an amount, and the amount it buys changes during training. Burgess et al. (2018) proposed fixing the amount instead:

$$\L_C(x) = \E_{q(z \given x)}\big[-\log p_\theta(x \given z)\big] + \gamma\,\Big|\KL\big(q(z \given x)\,\|\,p(z)\big) - C\Big|.$$

A large $\gamma$ holds the KL near the capacity $C$, and $C$ is raised linearly from 0 to $C_{\max}$ over the first steps of training. With little capacity, the model must spend its few nats on what matters most — in MNIST, which digit, then its slant — and adds detail as $C$ grows. The widget trains a two-dimensional latent space, so you can look at the whole code at once. Changing a setting keeps training the same model for another 2,000 steps; use Restart in the bar above to train from scratch with the new setting.

@widget

Q: What does β mean for a Gaussian decoder?
For $p(x \given z) = \N(f(z), \sigma_x^2 I)$ the reconstruction term is $\|x - f(z)\|^2 / (2\sigma_x^2)$ plus a constant. Multiply the whole loss by $2\sigma_x^2$ and it becomes squared error plus $2\sigma_x^2\,\KL$: β plays the role of the assumed noise variance. Choosing β is choosing how much of the image you are willing to call noise.

Q: In capacity mode, why does the KL not follow C exactly?
$\gamma\,|\KL - C|$ is a penalty, not a hard constraint: the optimizer trades a little distance from $C$ for a better reconstruction, and $C$ keeps moving while the model catches up. A larger γ makes the KL track $C$ more tightly.

Q: With β = 1 and two dimensions, why do some digits share a region?
Two numbers cannot hold everything that distinguishes ten digits in many styles. The model puts the most different digits far apart and lets similar ones (4 and 9; 3, 5 and 8) share a border, where the manifold morphs from one into the other.
`,
  zh: String.raw`
## β 是一个价格

[第 4 课](lesson:recon-vs-kl)介绍了 Higgins 等（2017）的 β 加权目标：

$$\L_\beta(x) = \E_{q(z \given x)}\big[-\log p_\theta(x \given z)\big] + \beta\,\KL\big(q(z \given x)\,\|\,p(z)\big).$$

- **β > 1** 让编码里的信息变贵。编码器只保留最能改善重构的那部分；后验向先验展宽，编码的地图变得更平滑，重构也更模糊。在由独立因素构成的数据上（比如图形的位置、大小、旋转），强压力往往让单个隐变量维度对齐单个因素。这种"解耦"正是提出 β-VAE 的初衷。
- **β < 1** 让比特变便宜。重构更清晰，但每个后验都缩小，编码四散开来；它们合在一起不再填满 $\N(0, I)$，于是从先验抽出的样本会落进解码器从没训练过的空隙，生成模糊或混杂的数字。

## 信息瓶颈的视角

把 KL 项对数据求平均。引入*聚合后验* $q(z) = \E_{x}\big[q(z \given x)\big]$，也就是所有编码组成的那团云，它可以拆成两个非负的部分（Hoffman 和 Johnson，2016）：

$$\E_{x}\Big[\KL\big(q(z \given x)\,\|\,p(z)\big)\Big] = I_q(x; z) + \KL\big(q(z)\,\|\,p(z)\big).$$

第一部分是编码器下图像与编码之间的互信息；第二部分是编码云离先验有多远。所以平均 KL 限制了编码能透露多少关于图像的信息，而 β 就是每奈特要付的价钱。这就是 Tishby、Pereira 和 Bialek 的信息瓶颈：保留预测目标 $y$ 所需的信息，挤掉其余的，

$$\max_{q(z \given x)} \; I(z; y) - \beta\, I(x; z),$$

这里的目标 $y$ 就是图像本身，由重构项来代表。

## 容量：定目标，而不是定价格

β 的取值定的是价格，而不是数量，而且同一个价格能买到的数量在训练中会变。Burgess 等（2018）提出直接固定数量：

$$\L_C(x) = \E_{q(z \given x)}\big[-\log p_\theta(x \given z)\big] + \gamma\,\Big|\KL\big(q(z \given x)\,\|\,p(z)\big) - C\Big|.$$

较大的 $\gamma$ 把 KL 拉在容量 $C$ 附近，而 $C$ 在训练初期从 0 线性增加到 $C_{\max}$。容量小的时候，模型只能把仅有的几奈特花在最要紧的事上——在 MNIST 里，先是哪个数字，然后是倾斜——随着 $C$ 增大再补充细节。下面的控件训练一个二维隐空间，可以一眼看到整个编码。修改设置后，同一个模型会再训练 2000 步；想用新设置从头训练，请点上方训练栏里的"重新开始"。

@widget

Q: 对高斯解码器，β 意味着什么？
对 $p(x \given z) = \N(f(z), \sigma_x^2 I)$，重构项是 $\|x - f(z)\|^2 / (2\sigma_x^2)$ 加一个常数。把整个损失乘以 $2\sigma_x^2$，就变成平方误差加 $2\sigma_x^2\,\KL$：β 扮演的是假定的噪声方差。选 β，就是选你愿意把图像的多少部分当作噪声。

Q: 容量模式下，KL 为什么不能精确跟着 C 走？
$\gamma\,|\KL - C|$ 是惩罚项，不是硬约束：优化器会用一点偏离 $C$ 的代价换取更好的重构，而且模型追赶时 $C$ 还在不停移动。γ 越大，KL 跟 $C$ 跟得越紧。

Q: β = 1、只有两维时，为什么有些数字挤在同一片区域？
两个数装不下区分十个数字各种写法所需的全部信息。模型把差别最大的数字放得很远，让相似的（4 和 9；3、5 和 8）共用一段边界，流形在那里从一个数字渐变成另一个。
`,
};

export const T = {
  objective: { en: 'Objective', zh: '目标' },
  betaVae: { en: 'β-VAE', zh: 'β-VAE' },
  capacity: { en: 'capacity γ·|KL − C|', zh: '容量 γ·|KL − C|' },
  beta: { en: 'β', zh: 'β' },
  gamma: { en: 'γ', zh: 'γ' },
  cmax: { en: 'C max (nats)', zh: 'C 上限（奈特）' },
  csteps: { en: 'C reaches its max at step', zh: 'C 达到上限的步数' },
  manifold: { en: 'The decoded manifold: z₁ across, z₂ up, on a grid of Gaussian quantiles.', zh: '解码出的流形：横轴 z₁、纵轴 z₂，取在高斯分位数的网格上。' },
  noManifold: { en: 'The manifold needs a two-dimensional latent space (latent = 2 in the model settings).', zh: '流形图需要二维隐空间（在模型设置中令隐变量维数为 2）。' },
  samples: { en: 'Samples: codes from the prior N(0, I), decoded.', zh: '样本：从先验 N(0, I) 抽取编码并解码。' },
  chart: { en: 'KL and reconstruction while training', zh: '训练中的 KL 与重构' },
  kl: { en: 'KL', zh: 'KL' },
  target: { en: 'target C', zh: '目标 C' },
  recon: { en: 'recon (right axis)', zh: '重构（右轴）' },
  step: { en: 'step', zh: '步数' },
};
