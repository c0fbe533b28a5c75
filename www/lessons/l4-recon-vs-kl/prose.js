// Lesson 4's words in English and Chinese: its title, summary and text (markup: ../prose.js), and the
// labels of its widget. Data only; widget.js builds the live part.

export const title = { en: 'Reconstruction vs KL', zh: '重构与 KL' };

export const summary = {
  en: 'The loss as the length of a message: nats to describe the code, plus nats to describe the digit given the code. β sets the price of the code.',
  zh: '把损失看成一封信的长度：描述编码的奈特，加上已知编码时描述数字的奈特。β 决定编码的价格。',
};

export const text = {
  en: String.raw`
## Two terms, two jobs

Training minimizes the negative ELBO, which has two parts:

$$-\ELBO(x) = \underbrace{\E_{q(z \given x)}\big[-\log p_\theta(x \given z)\big]}_{\text{reconstruction}} \;+\; \underbrace{\KL\big(q(z \given x)\,\|\,p(z)\big)}_{\text{KL}}.$$

The reconstruction term is the binary cross-entropy between the image and the decoded pixel probabilities, summed over the 784 pixels and averaged over codes from $q$. It falls when the code carries enough about $x$ to redraw it. The KL term rises whenever the encoder makes $q(z \given x)$ differ from the prior — narrower ($\sigma < 1$) or shifted ($\mu \ne 0$) — that is, whenever the code carries information about $x$. The two pull in opposite directions, and training settles on a balance.

## A message in two parts

Information theory gives that balance a concrete meaning. Under a model $p$, the shortest code for $x$ is $-\log_2 p(x)$ bits long. A VAE describes $x$ in two parts: first a code $z$, then $x$ given $z$.

- Sending $x$ once the receiver knows $z$ costs $-\log p_\theta(x \given z)$: the reconstruction term.
- Sending $z$ costs, net, $\log q(z \given x) - \log p(z)$, whose average is the KL term. The sender encodes $z$ with the prior, paying $-\log p(z)$; but $z$ was *chosen* at random from $q(z \given x)$, and with *bits-back* coding that random choice can itself carry $-\log q(z \given x)$ bits of other data, which the receiver recovers once it has decoded $x$ (Hinton and van Camp, 1993).

So $-\ELBO$ is the expected length of a real two-part message, longer than the ideal $-\log p_\theta(x)$ by the posterior mismatch of [lesson 2](lesson:elbo). To convert nats to bits, divide by $\ln 2 \approx 0.693$.

Read this way, the trade-off is a budget. A code that says more about $x$ costs more KL and leaves less to say about the pixels. A good model spends its bits where they buy the most — which digit it is, its slant and stroke — rather than on the exact grey level of each edge pixel.

## Pricing the code: β

Multiply the KL term by a weight $\beta$:

$$\L_\beta(x) = \E_{q(z \given x)}\big[-\log p_\theta(x \given z)\big] + \beta\,\KL\big(q(z \given x)\,\|\,p(z)\big).$$

$\beta = 1$ is the ELBO. With $\beta > 1$ code bits are expensive: the KL falls and reconstructions blur. With $\beta < 1$ they are cheap: reconstructions sharpen and the KL grows, but samples from the prior get worse, because the codes the decoder has learned to read drift away from $\N(0, I)$. The charts follow both terms while the model trains; move $\beta$ and watch them trade. Each change of $\beta$ trains the model for another 1,500 steps so that it can adapt.

@widget

Q: Why does the KL first rise, then level off?
At initialization the encoder hardly depends on $x$, so $q \approx$ prior and the KL is near 0. The cheapest early gain is in reconstruction, and that needs codes that say something about $x$, so the KL rises. Once a further nat of code buys less than a nat of reconstruction, it levels off.

Q: Wouldn't a KL of zero mean the regularizer has won?
It would mean $z$ is independent of $x$: the decoder then draws the same "average digit" for every image. On MNIST that costs about 206 nats of reconstruction; a trained model pays roughly 80 nats of reconstruction plus 25 of KL. A real code is far cheaper overall.

Q: Why doesn't the reconstruction term go to zero, even when the reconstructions look right?
Because the targets are grey levels. A Bernoulli cross-entropy against a grey target $x_i$ is smallest when the predicted probability equals $x_i$, and even then it costs the entropy of a coin with bias $x_i$. Summed over the anti-aliased edges of MNIST digits, that floor is about 45 nats per image. (With binarized images the floor is 0.)
`,
  zh: String.raw`
## 两项，两份差事

训练最小化的是负 ELBO，它由两部分组成：

$$-\ELBO(x) = \underbrace{\E_{q(z \given x)}\big[-\log p_\theta(x \given z)\big]}_{\text{重构}} \;+\; \underbrace{\KL\big(q(z \given x)\,\|\,p(z)\big)}_{\text{KL}}.$$

重构项是图像与解码出的像素概率之间的二元交叉熵，对 784 个像素求和，再对从 $q$ 抽取的编码求平均。编码里关于 $x$ 的信息足以把它重新画出来时，这一项就会下降。KL 项则在编码器让 $q(z \given x)$ 偏离先验时上升——变窄（$\sigma < 1$）或者偏移（$\mu \ne 0$）——也就是编码携带了关于 $x$ 的信息时。两项方向相反，训练最终在两者之间找到平衡。

## 分两段发出的信

信息论给这种平衡一个具体的含义。在模型 $p$ 下，描述 $x$ 的最短编码长 $-\log_2 p(x)$ 比特。VAE 把 $x$ 分两段描述：先发编码 $z$，再发已知 $z$ 时的 $x$。

- 对方已经知道 $z$ 时，发送 $x$ 要花 $-\log p_\theta(x \given z)$：这就是重构项。
- 发送 $z$ 的净代价是 $\log q(z \given x) - \log p(z)$，其平均值就是 KL 项。发送方用先验来编码 $z$，付出 $-\log p(z)$；但 $z$ 是从 $q(z \given x)$ 中*随机选出*的，借助"比特回收"（bits-back）编码，这次随机选择本身可以捎带 $-\log q(z \given x)$ 比特的其他数据，接收方解出 $x$ 之后就能把它们取回来（Hinton 和 van Camp，1993）。

所以 $-\ELBO$ 就是一封真实的两段式信件的期望长度，它比理想长度 $-\log p_\theta(x)$ 多出的部分，正是[第 2 课](lesson:elbo)里的后验差距。奈特换算成比特，除以 $\ln 2 \approx 0.693$ 即可。

这样看，权衡就是一笔预算。编码对 $x$ 说得越多，KL 花得越多，留给像素的话就越少。好的模型把比特花在最值钱的地方——是哪个数字、倾斜多少、笔画怎样——而不是每个边缘像素的确切灰度。

## 给编码定价：β

给 KL 项乘上一个权重 $\beta$：

$$\L_\beta(x) = \E_{q(z \given x)}\big[-\log p_\theta(x \given z)\big] + \beta\,\KL\big(q(z \given x)\,\|\,p(z)\big).$$

$\beta = 1$ 就是 ELBO。$\beta > 1$ 时编码的比特很贵：KL 下降，重构变模糊。$\beta < 1$ 时比特便宜：重构更清晰，KL 上升，但从先验采样的效果会变差，因为解码器学会读取的那些编码偏离了 $\N(0, I)$。下面的图表随着训练跟踪两项的变化；拖动 $\beta$，看它们如何此消彼长。每改一次 $\beta$，模型会再训练 1500 步来适应。

@widget

Q: 为什么 KL 先上升，然后趋于平稳？
初始化时编码器几乎不依赖 $x$，所以 $q \approx$ 先验，KL 接近 0。早期最便宜的收益来自重构，而这需要编码说出一些关于 $x$ 的事，于是 KL 上升。等到再多一奈特的编码换不回一奈特的重构时，它就平稳下来。

Q: KL 为零，不就说明正则项赢了吗？
KL 为零意味着 $z$ 与 $x$ 无关：解码器对每张图像都画出同一个"平均数字"。在 MNIST 上，这样的重构代价约 206 奈特；而训练好的模型大约付出 80 奈特重构加 25 奈特 KL。有一个真正的编码，总代价要低得多。

Q: 重构看起来已经很准了，为什么重构项还降不到零？
因为目标是灰度值。以灰度 $x_i$ 为目标的伯努利交叉熵，在预测概率等于 $x_i$ 时最小，但即便如此也要付出一枚偏向为 $x_i$ 的硬币的熵。把 MNIST 数字抗锯齿边缘上的这些熵加起来，每张图像的下限约为 45 奈特。（图像二值化后，下限为 0。）
`,
};

export const T = {
  beta: { en: 'β (price of a nat of code)', zh: 'β（每奈特编码的价格）' },
  recon: { en: 'Reconstruction −E log p(x|z)', zh: '重构 −E log p(x|z)' },
  kl: { en: 'KL(q(z|x) ‖ p(z))', zh: 'KL(q(z|x) ‖ p(z))' },
  train: { en: 'train', zh: '训练集' },
  test: { en: 'test', zh: '测试集' },
  betaSeries: { en: 'β (right axis)', zh: 'β（右轴）' },
  step: { en: 'step', zh: '步数' },
  nats: { en: 'nats', zh: '奈特' },
  reconCaption: { en: 'Test digits (top) and their reconstructions from μ (bottom).', zh: '测试数字（上）及其由 μ 解码的重构（下）。' },
  samplesCaption: { en: 'Samples: codes from the prior N(0, I), decoded.', zh: '样本：从先验 N(0, I) 抽取编码并解码。' },
};
