// Lesson 7's words in English and Chinese: its title, summary and text (markup: ../prose.js), and the
// labels of its widget. Data only; widget.js builds the live part.

export const title = { en: 'The latent space', zh: '隐空间' };

export const summary = {
  en: 'Walk the code space: the decoded manifold, the codes of the test set, interpolations, a slider per dimension — and the dimensions the model switches off.',
  zh: '在编码空间里走一走：解码出的流形、测试集的编码、插值、每维一个滑块——以及被模型关掉的维度。',
};

export const text = {
  en: String.raw`
## A map of codes

Every image $x$ has a posterior $q(z \given x)$, and its mean $\mu(x)$ is where the encoder places $x$ on the map. Colour the means of 2,000 test digits by their labels and the digits gather in regions, although the model never saw a label. The KL term keeps the whole cloud near the origin and roughly the size of $\N(0, I)$; the reconstruction term keeps different digits apart.

With two latent dimensions we can also go the other way: decode a grid of codes and look at the whole space at once. The grid is spaced by quantiles of the normal distribution, $z = \Phi^{-1}(p)$ for evenly spaced $p$, so that every cell holds the same prior probability — as in the Keras VAE example. Neighbouring cells decode to similar images: the decoder is continuous, and the KL term has made nearby codes mean similar things.

With more dimensions the map is drawn by principal component analysis: the two directions in which the means vary most. Hovering decodes the point under the cursor, with every other direction at its average.

## Walking between digits

Because the space is continuous, the straight line between two codes decodes into a path of plausible images — a 1 that slowly grows a loop and becomes a 0. Click two points of the scatter to choose the ends. (In many dimensions, spherical interpolation is sometimes preferred: a straight line between two typical Gaussian points passes through the unusually empty region near the origin.)

@map

## Dimensions the model switches off

Give the model 50 latent dimensions and it does not keep them all. For some, the encoder ends up outputting $\mu \approx 0$ and $\sigma \approx 1$ for every image: $q(z_u \given x)$ equals the prior, the dimension costs no KL, and the decoder learns to ignore it. Burda et al. (2016) call a unit **active** when its mean varies across images:

$$A_u = \operatorname{Cov}_x\big(\E_{q(z \given x)}[z_u]\big) > 0.01.$$

This is the KL term acting as a budget. A dimension is worth using only if the reconstruction it buys exceeds its KL cost; once a few dimensions describe a digit well, the next one would cost more than it earns. Switching a dimension off is slow, though. Measured with this lab's command-line tool (seed 1, grey pixels), 45 of 50 units are still active after 3,000 steps and 33 after ten epochs; Burda et al., training for thousands of epochs on binarized MNIST, were left with about 20. Switch to 50 dimensions below and keep training: a group of strong dimensions carries almost everything, and the rest sink toward the threshold one by one.

In the extreme — a decoder strong enough to model $x$ without $z$, such as an autoregressive one — every dimension switches off and the code carries nothing. That is **posterior collapse**. Common remedies: KL warm-up (start with β near 0 and raise it), "free bits" (no penalty for the first λ nats of each dimension), and weaker decoders.

@units

Q: Are inactive dimensions wasted? Can I drop them?
They cost a little computation and nothing else: the decoder ignores them, as the sliders show — move an inactive dimension and the decoded digit does not change. Dropping them after training changes nothing; choosing a smaller latent size from the start gives a similar model.

Q: Why are 4 and 9 (or 3, 5 and 8) so close on the map?
They share strokes. The model only knows pixels, and a 4 with a closed top differs from a 9 in a handful of them; digits that are easy to confuse get nearby codes.
`,
  zh: String.raw`
## 编码的地图

每张图像 $x$ 都有一个后验 $q(z \given x)$，它的均值 $\mu(x)$ 就是编码器把 $x$ 放在地图上的位置。把 2000 张测试数字的均值按标签着色，数字会自发地聚成一片一片——尽管模型从来没见过标签。KL 项让整团点云待在原点附近、大小与 $\N(0, I)$ 相当；重构项则把不同的数字分开。

隐空间只有两维时，还可以反过来看：在网格上解码，一次看到整个空间。网格按正态分布的分位数取点，$z = \Phi^{-1}(p)$，$p$ 等间隔，这样每个格子占有相同的先验概率——和 Keras 的 VAE 示例一样。相邻的格子解码出相似的图像：解码器是连续的，而 KL 项让相近的编码表示相近的东西。

维数更多时，地图用主成分分析来画：取均值变化最大的两个方向。鼠标悬停会解码光标所在的点，其余方向取平均值。

## 在数字之间漫步

空间是连续的，所以两个编码之间的直线解码出来是一串合理的图像——一个 1 慢慢长出一个圈，变成 0。点击散点图上的两个点来选定两端。（维数很多时，有人更喜欢球面插值：两个典型高斯点之间的直线，会穿过原点附近那片异常空旷的区域。）

@map

## 被模型关掉的维度

给模型 50 个隐变量维度，它并不会全都留着。有些维度上，编码器最终对每张图像都输出 $\mu \approx 0$、$\sigma \approx 1$：$q(z_u \given x)$ 就等于先验，这一维不花任何 KL，解码器也学会了忽略它。Burda 等（2016）把均值随图像变化的单元称为**活跃**单元：

$$A_u = \operatorname{Cov}_x\big(\E_{q(z \given x)}[z_u]\big) > 0.01.$$

这是 KL 项在充当预算。一个维度只有在它换来的重构收益超过它的 KL 代价时才值得使用；几个维度已经把数字描述得不错之后，再加一维就得不偿失了。不过，关掉一个维度是个缓慢的过程。用本实验台的命令行工具实测（种子 1，灰度像素），训练 3000 步后 50 个单元中仍有 45 个活跃，十轮之后是 33 个；Burda 等在二值化 MNIST 上训练了数千轮，最后剩下大约 20 个。在下面切换到 50 维并继续训练：少数几个强维度承载了几乎全部信息，其余的则一个接一个地沉向阈值。

极端情况下——解码器强到不需要 $z$ 就能建模 $x$，比如自回归解码器——所有维度都会被关掉，编码什么也不携带。这就是**后验坍塌**。常见的补救办法有：KL 预热（β 从接近 0 开始逐渐增大）、"自由比特"（每一维的前 λ 奈特不受惩罚），以及使用更弱的解码器。

@units

Q: 不活跃的维度是浪费吗？能删掉吗？
它们只多花一点计算，别无代价：解码器忽略它们，滑块可以证明这一点——拖动一个不活跃的维度，解码出的数字纹丝不动。训练后删掉它们什么也不会改变；一开始就选更小的隐变量维数，会得到差不多的模型。

Q: 为什么 4 和 9（或者 3、5、8）在地图上挨得这么近？
它们共用笔画。模型只认识像素，一个上端封口的 4 和一个 9 只差几个像素；容易混淆的数字，编码也相近。
`,
};

export const T = {
  latent: { en: 'Latent dimensions', zh: '隐变量维数' },
  scatter: {
    en: (L, count) => `μ of ${count.toLocaleString('en')} test digits, coloured by label${L > 2 ? ` (the first two principal components of ${L} dimensions)` : L === 2 ? ' (z₁ across, z₂ up)' : ' (z₁ across, one row per label)'}. Hover to decode; click two digits to interpolate.`,
    zh: (L, count) => `${count} 张测试数字的 μ，按标签着色${L > 2 ? `（${L} 维中的前两个主成分）` : L === 2 ? '（横轴 z₁，纵轴 z₂）' : '（横轴 z₁，每个标签一行）'}。悬停可解码；点击两个数字进行插值。`,
  },
  manifold: { en: 'The decoded manifold (latent = 2): z₁ across, z₂ up, on Gaussian quantiles.', zh: '解码出的流形（二维隐空间）：横轴 z₁、纵轴 z₂，取在高斯分位数上。' },
  noManifold: { en: 'The manifold grid needs a two-dimensional latent space.', zh: '流形网格需要二维隐空间。' },
  useTwo: { en: 'Switch to 2 dimensions', zh: '切换到 2 维' },
  z: { en: 'Decoded z', zh: '解码 z' },
  keys: {
    en: 'Keyboard: Tab to the scatter or the manifold; the arrow keys move the decoded point (Shift: faster, Home: the origin), Enter picks the nearest digit as the new end B, Escape clears the cursor. On a touch screen, drag on the scatter.',
    zh: '键盘：用 Tab 移到散点图或流形上；方向键移动解码的点（按住 Shift 更快，Home 回到原点），Enter 选最近的数字作为新的终点 B，Esc 清除光标。触屏上在散点图上拖动即可。',
  },
  sliders: { en: 'One slider per dimension (grey: inactive)', zh: '每维一个滑块（灰色：不活跃）' },
  zero: { en: 'All to 0', zh: '全部归零' },
  strip: {
    en: (a, b, la, lb, steps) => `From test digit #${a} (a ${la}) to #${b} (a ${lb}): the originals at both ends, ${steps} decoded steps between.`,
    zh: (a, b, la, lb, steps) => `从测试数字 #${a}（一个 ${la}）到 #${b}（一个 ${lb}）：两端是原图，中间是 ${steps} 个解码的插值。`,
  },
  more: { en: 'Keep training: 5,000 more steps', zh: '继续训练 5000 步' },
  units: {
    en: 'Activity of each dimension, Cov over x of μ (log scale; dashed: the 0.01 threshold), and its average KL.',
    zh: '每个维度的活跃度：μ 关于 x 的方差（对数刻度；虚线为 0.01 阈值），以及该维的平均 KL。',
  },
};
