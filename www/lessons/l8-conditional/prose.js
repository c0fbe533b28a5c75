// Lesson 8's words in English and Chinese: its title, summary and text (markup: ../prose.js), and the
// labels of its widget. Data only; widget.js builds the live part.

export const title = { en: 'Conditional generation', zh: '条件生成' };

export const summary = {
  en: 'Give both networks the label: the code $z$ no longer has to say which digit, only how it is written.',
  zh: '把标签同时交给两个网络：编码 $z$ 不必再说是哪个数字，只需说它是怎么写的。',
};

export const text = {
  en: String.raw`
## Asking for a particular digit

An ordinary VAE generates digits at random; to get a 7 you would have to search the latent space for the region of 7s. A conditional VAE (Sohn, Lee and Yan, 2015) gives the label $y$ to both networks,

$$q_\phi(z \given x, y), \qquad p_\theta(x \given z, y), \qquad p(z) = \N(0, I),$$

and maximizes the same bound, now for the conditional likelihood:

$$\log p_\theta(x \given y) \;\ge\; \E_{q_\phi(z \given x, y)}\big[\log p_\theta(x \given z, y)\big] - \KL\big(q_\phi(z \given x, y)\,\|\,p(z)\big).$$

Here the label enters as a one-hot vector of ten numbers, appended to the image at the encoder's input and to $z$ at the decoder's input. The kernels are the same as before, with ten more input columns.

## What z learns now

The decoder is told which digit to draw, so spending KL on "which digit" would be a waste: that information comes for free. What is left for $z$ is everything the label does not say — the style: slant, stroke width, size, a loop closed or open. Because the prior is the same for every label, a code means the same style in every class. You can write a 2, a 3 and a 7 "in the same hand", or take the style of a real digit and carry it over to all the others.

@widget

Q: The prior is $\N(0, I)$ for every label. Couldn't it depend on $y$?
It could; a learned prior $p_\psi(z \given y)$ is common when CVAEs are used for structured prediction. Here it is shared on purpose: the same $z$ then means the same style across digits, which is what makes the table of "same z, every label" work.

Q: Does the encoder still need the label?
It helps. Given the label, the encoder need not work out which digit it sees and can describe the style relative to that digit. Without it, $q(z \given x)$ would also have to encode the class, which the decoder already knows, and the KL would charge for it.

Q: Is this how text-to-image models work?
The idea — condition the generator on a description — is the same. Modern systems condition diffusion models or transformers on text embeddings rather than a VAE decoder on a one-hot label; many of them still use a VAE to compress images into the latent space they work in.
`,
  zh: String.raw`
## 指定要哪个数字

普通的 VAE 随机地生成数字；想要一个 7，就得在隐空间里找到 7 所在的那片区域。条件 VAE（Sohn、Lee 和 Yan，2015）把标签 $y$ 同时交给两个网络，

$$q_\phi(z \given x, y), \qquad p_\theta(x \given z, y), \qquad p(z) = \N(0, I),$$

并最大化同样的下界，只不过对象换成了条件似然：

$$\log p_\theta(x \given y) \;\ge\; \E_{q_\phi(z \given x, y)}\big[\log p_\theta(x \given z, y)\big] - \KL\big(q_\phi(z \given x, y)\,\|\,p(z)\big).$$

在这里，标签以十个数的独热向量进入网络：在编码器输入端拼接到图像后面，在解码器输入端拼接到 $z$ 后面。计算核与之前完全相同，只是多了十列输入。

## z 现在学什么

解码器已经被告知要画哪个数字，再在"是哪个数字"上花 KL 就是浪费：这份信息是免费的。留给 $z$ 的，是标签没有说的一切——风格：倾斜、笔画粗细、大小、圈是封口还是开口。由于每个标签的先验都一样，同一个编码在每一类里代表同一种风格。你可以"用同一种笔迹"写出 2、3 和 7，也可以把一个真实数字的风格搬到其他所有数字上。

@widget

Q: 每个标签的先验都是 $\N(0, I)$，它不能依赖 $y$ 吗？
可以；把 CVAE 用于结构化预测时，常会学一个先验 $p_\psi(z \given y)$。这里故意让先验共享：这样同一个 $z$ 在不同数字间表示同一种风格，"同一个 z、每个标签"那张表才成立。

Q: 编码器还需要标签吗？
有帮助。知道了标签，编码器不必先判断看到的是哪个数字，可以直接相对于这个数字来描述风格。没有标签，$q(z \given x)$ 还得编码类别，而解码器其实已经知道类别，KL 却要为此收费。

Q: 文生图模型也是这样工作的吗？
思路相同——让生成器以描述为条件。现代系统是让扩散模型或 Transformer 以文本嵌入为条件，而不是让 VAE 解码器以独热标签为条件；不过其中很多仍然用一个 VAE 把图像压缩到它们工作的隐空间里。
`,
};

export const T = {
  digit: { en: 'Digit', zh: '数字' },
  more: { en: 'New styles', zh: '换一批风格' },
  styles2: { en: (d) => `The styles of a ${d}: the decoder given the label ${d}, on a grid of z₁ (across) and z₂ (up).`, zh: (d) => `数字 ${d} 的各种风格：给定标签 ${d}，在 z₁（横）和 z₂（纵）的网格上解码。` },
  styles: { en: (d) => `The styles of a ${d}: codes from the prior, decoded with the label ${d}.`, zh: (d) => `数字 ${d} 的各种风格：从先验抽取编码，配上标签 ${d} 解码。` },
  same: { en: 'Same z, every label: each row is one code from the prior, decoded with the labels 0–9.', zh: '同一个 z、每个标签：每行是从先验抽取的一个编码，分别配上标签 0–9 解码。' },
  transfer: { en: 'Style transfer: a test digit (left), encoded with its own label, then decoded with every label.', zh: '风格迁移：一张测试数字（左），用它自己的标签编码，再配上每个标签解码。' },
  notConditional: { en: 'The model in this link is not conditional (conditional=false), so the labels are ignored and every column looks the same. Set conditional=true to see the lesson’s point.', zh: '此链接中的模型不是条件模型（conditional=false），标签会被忽略，每一列看起来都一样。设为 conditional=true 才能看到本课的要点。' },
};
