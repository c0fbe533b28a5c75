// Lesson 10's words in English and Chinese: its title, summary and text (markup: ../prose.js), and the
// labels of its widget. Data only; widget.js builds the live part.

export const title = { en: 'Sequences and the VRNN', zh: '序列与 VRNN' };

export const summary = {
  en: 'A latent variable at every step: the prior moves with the recurrent state $h_{t-1}$, the KL is paid row by row, and a digit is generated or completed one row at a time.',
  zh: '每一步都有一个隐变量：先验随循环状态 $h_{t-1}$ 移动，KL 逐行支付，数字一行一行地生成或补全。',
};

export const text = {
  en: String.raw`
## One code per step

In every lesson so far an image got one code: $x$ went in, a Gaussian $q_\phi(z \given x)$ came out, and one $z$ decoded to the whole image. Many data are sequences instead — speech, handwriting as it is drawn, a video — and their randomness unfolds step by step. The **variational recurrent neural network** (VRNN; Chung et al., 2015) draws a fresh latent variable $z_t$ at *every* step $t$, and a recurrent network carries what has happened so far. (The [next lesson](lesson:latent-ode) goes the other way: one random start for the whole sequence and a deterministic flow.) Here the sequence is an MNIST digit read as 28 rows of 28 pixels, $x_1, \dots, x_{28}$, top to bottom.

A GRU keeps a state $h_t$ that summarises the rows and codes so far:

$$h_t = \mathrm{GRU}\big(h_{t-1},\, [\varphi_x(x_t), \varphi_z(z_t)]\big), \qquad h_0 = 0,$$

where $\varphi_x$ and $\varphi_z$ are small feature layers. The generative model, the graphical model of the VRNN, is, for each row,

$$z_t \sim p_\theta(z_t \given h_{t-1}) = \N\big(\mu^{\text{prior}}_t, \mathrm{diag}\,(\sigma^{\text{prior}}_t)^2\big), \qquad x_t \sim \mathrm{Bernoulli}\big(\sigma(\mathrm{dec}(\varphi_z(z_t), h_{t-1}))\big).$$

Every arrow into $x_t$ and $z_t$ comes from $h_{t-1}$, and $h_{t-1}$ depends on all of $x_{<t}$ and $z_{<t}$. So the joint factorises as $p(x, z) = \prod_t p(x_t \given z_{\le t}, x_{<t})\, p(z_t \given z_{<t}, x_{<t})$.

## Why the prior moves

In a static VAE the prior is fixed, $\N(0, I)$. Here it is a network of $h_{t-1}$: having seen the top of a "7", the model expects the next row to continue the stroke, and the prior should put its mass on codes that do that. A fixed prior would force every step's posterior to look like $\N(0, I)$ whatever came before; a learned, moving prior only charges for what is *surprising given the past*. That is what makes the latent variables of a sequence model cheap where the sequence is predictable, and expensive only where something new happens.

## The ELBO, one KL per row

The posterior is also per step. With **forward inference** (Chung et al.) it reads the current row and the past:

$$q_\phi(z_t \given x_t, h_{t-1}) = \N\big(\mu^{q}_t, \mathrm{diag}\,(\sigma^q_t)^2\big), \qquad (\mu^q_t, \log (\sigma^q_t)^2) = \mathrm{Linear}\big([\varphi_x(x_t), h_{t-1}]\big).$$

The ELBO of [lesson 2](lesson:elbo) becomes a sum over rows:

$$\ELBO = \sum_{t=1}^{28} \E_{q}\Big[\log p_\theta(x_t \given z_t, h_{t-1}) - \KL\big(q_\phi(z_t \given \cdot)\,\|\,p_\theta(z_t \given h_{t-1})\big)\Big].$$

Each KL is between two diagonal Gaussians, neither of them standard, and still has a closed form, per dimension

$$\KL = \log\frac{\sigma_p}{\sigma_q} + \frac{\sigma_q^2 + (\mu_q - \mu_p)^2}{2\sigma_p^2} - \frac12 .$$

One $\epsilon$ per step gives $z_t = \mu^q_t + \sigma^q_t \odot \epsilon_t$ ([lesson 3](lesson:reparameterization)); the sampled $z_t$ feeds the GRU, so the gradient flows back through all later rows. The widget's chart shows the KL per row on the test set: the blank rows at the top and bottom cost almost nothing, the rows where the strokes are decided cost the most.

## Forward or backward inference

Forward inference sees only $x_t$ and the past. But the true posterior $p(z_t \given x)$ depends on the rows *below* as well: the code of row 8 should know whether the digit turns into a 9 or a 4. **Backward inference**, in the style of the SRNN (Fraccaro et al., 2016), runs a second GRU from the last row up, $a_t = \mathrm{GRU}_{\leftarrow}(a_{t+1}, \varphi_x(x_t))$, and builds $q_\phi(z_t \given a_t, h_{t-1})$ from it: the posterior now reads the rows to come. The generative model is the same, only $q$ changes, so both ELBOs bound the likelihood of the same model family; the backward posterior can come closer to the true one, so its bound can be tighter. It costs a second GRU pass over the rows. The switch in the widget retrains from the same seed with the other posterior.

## Generation and completion, row by row

To **generate**, start from $h_0 = 0$ and repeat: draw $z_t$ from the prior $p_\theta(z_t \given h_{t-1})$, decode row $t$, feed $\varphi_x(x_t)$ and $\varphi_z(z_t)$ to the GRU, go on. The encoder is not used at all. Here each generated row is its Bernoulli mean, fed back as it is.

To **complete** a digit whose top $k$ rows are given, use the posterior for those rows — $z_t \sim q$ with the real $x_t$, so that $h_k$ summarises what was seen — and the prior for the rest. With backward inference, $a_t$ can only run over the given rows; the rows below are not known. Different draws of $\epsilon$ give different endings: the spread between them is the model's uncertainty about the rest of the digit.

@widget

What to look for:

- Before training, completions are grey noise below the given rows. After a few hundred steps they continue the strokes; with more rows given they agree more with each other and with the real digit.
- With few rows given the completions disagree: a top loop may become a 9, an 8 or a 0. That spread is the point of a latent variable per step — a deterministic RNN would give one ending.
- The per-row KL is near zero in the blank rows at the top, highest where the digit begins (around rows 5 to 10, where its shape is decided) and falls again in the bottom rows.
- With seed 1 and 600 steps, backward inference ended at a test −ELBO of 123.2 nats, forward at 125.4: its posterior knows the rows below. A step took about 1.6 times as long. Generation does not use $q$, so what changes there is only what training made of the prior and decoder.
- The model is small (a GRU of 32 units, 4-D codes, a few thousand training images) so that it trains in your browser on the CPU; its digits are rough.

Q: How is this different from the latent ODE?
The latent ODE has one random vector per sequence and deterministic dynamics; the VRNN has a random vector per step, so it can represent sequences whose future branches. Its dynamics are discrete ticks rather than a flow in continuous time.

Q: Why not put all the randomness in the decoder, as an RNN language model does?
An RNN with a Bernoulli output per pixel can model the same data, but its only randomness is pixel-level noise, independent within a row given the past. A $z_t$ lets a whole row (a stroke) vary together, which pixel-wise noise cannot express.

Q: Some SRNN code "generates" with the inference network. Is that right?
Only for rows that are known. The backward posterior $q(z_t \given a_t, h_{t-1})$ reads $a_t$, a summary of rows $t$ to the end: to use it for a row, those rows must exist. Running it over real data and decoding is reconstruction (or, for the given rows, what completion does here), not generation. For rows nobody has seen, only the prior $p_\theta(z_t \given h_{t-1})$ is available — which is why it is learned, and why the KL trains it to predict what $q$ will say.
`,
  zh: String.raw`
## 每一步一个编码

前面每一课里，一张图像只有一个编码：输入 $x$，得到高斯分布 $q_\phi(z \given x)$，一个 $z$ 解码出整张图。可很多数据是序列——语音、书写的笔迹、视频——它们的随机性一步一步展开。**变分循环神经网络**（VRNN；Chung 等，2015）在*每一步* $t$ 都抽一个新的隐变量 $z_t$，由一个循环网络记住迄今发生的一切。（[下一课](lesson:latent-ode)反其道而行：整条序列只有一个随机起点，其余交给确定性的流。）这里的序列是一张 MNIST 数字图，按行读成 28 行、每行 28 个像素 $x_1, \dots, x_{28}$，自上而下。

一个 GRU 维护状态 $h_t$，概括迄今的行与编码：

$$h_t = \mathrm{GRU}\big(h_{t-1},\, [\varphi_x(x_t), \varphi_z(z_t)]\big), \qquad h_0 = 0,$$

其中 $\varphi_x$、$\varphi_z$ 是小的特征层。VRNN 的生成模型（即它的图模型）对每一行是

$$z_t \sim p_\theta(z_t \given h_{t-1}) = \N\big(\mu^{\text{prior}}_t, \mathrm{diag}\,(\sigma^{\text{prior}}_t)^2\big), \qquad x_t \sim \mathrm{Bernoulli}\big(\sigma(\mathrm{dec}(\varphi_z(z_t), h_{t-1}))\big).$$

指向 $x_t$ 和 $z_t$ 的箭头都来自 $h_{t-1}$，而 $h_{t-1}$ 依赖全部的 $x_{<t}$ 与 $z_{<t}$。所以联合分布分解为 $p(x, z) = \prod_t p(x_t \given z_{\le t}, x_{<t})\, p(z_t \given z_{<t}, x_{<t})$。

## 先验为什么会移动

静态 VAE 的先验是固定的 $\N(0, I)$。这里它是 $h_{t-1}$ 的函数：看到一个"7"的上半部分后，模型预期下一行延续笔画，先验应把质量放在能做到这一点的编码上。固定的先验会迫使每一步的后验都像 $\N(0, I)$，不管之前发生了什么；学到的、会移动的先验只对*相对于过去而言出乎意料*的部分收费。正因如此，序列模型的隐变量在可预测处几乎免费，只在出现新东西的地方才昂贵。

## ELBO：每行一个 KL

后验也是逐步的。**前向推断**（Chung 等）读当前行和过去：

$$q_\phi(z_t \given x_t, h_{t-1}) = \N\big(\mu^{q}_t, \mathrm{diag}\,(\sigma^q_t)^2\big), \qquad (\mu^q_t, \log (\sigma^q_t)^2) = \mathrm{Linear}\big([\varphi_x(x_t), h_{t-1}]\big).$$

[第 2 课](lesson:elbo)的 ELBO 变成对各行求和：

$$\ELBO = \sum_{t=1}^{28} \E_{q}\Big[\log p_\theta(x_t \given z_t, h_{t-1}) - \KL\big(q_\phi(z_t \given \cdot)\,\|\,p_\theta(z_t \given h_{t-1})\big)\Big].$$

每个 KL 都在两个对角高斯之间，两者都不是标准正态，但仍有闭式解，每一维为

$$\KL = \log\frac{\sigma_p}{\sigma_q} + \frac{\sigma_q^2 + (\mu_q - \mu_p)^2}{2\sigma_p^2} - \frac12 .$$

每步一个 $\epsilon$，$z_t = \mu^q_t + \sigma^q_t \odot \epsilon_t$（[第 3 课](lesson:reparameterization)）；采样得到的 $z_t$ 进入 GRU，所以梯度会穿过之后的所有行回传。小部件的图表显示测试集上每一行的 KL：上下空白的行几乎不花代价，决定笔画的行代价最高。

## 前向推断还是后向推断

前向推断只看到 $x_t$ 和过去。但真正的后验 $p(z_t \given x)$ 也依赖*下面*的行：第 8 行的编码应当知道这个数字最后是 9 还是 4。**后向推断**（SRNN 风格，Fraccaro 等，2016）用第二个 GRU 从最后一行往上读，$a_t = \mathrm{GRU}_{\leftarrow}(a_{t+1}, \varphi_x(x_t))$，再由它构造 $q_\phi(z_t \given a_t, h_{t-1})$：后验现在能读到后面的行。生成模型不变，只有 $q$ 变了，所以两种 ELBO 都是同一族模型似然的下界；后向后验能更接近真实后验，因而下界可以更紧。代价是多一次 GRU 对各行的遍历。小部件里的开关会用同一个种子、换另一种后验重新训练。

## 逐行生成与补全

**生成**：从 $h_0 = 0$ 开始，反复执行：从先验 $p_\theta(z_t \given h_{t-1})$ 抽 $z_t$，解码第 $t$ 行，把 $\varphi_x(x_t)$ 和 $\varphi_z(z_t)$ 送进 GRU，继续。完全不用编码器。这里每一行生成的是它的伯努利均值，原样反馈。

**补全**：给定一个数字的上面 $k$ 行，对这些行用后验——以真实的 $x_t$ 抽 $z_t \sim q$，使 $h_k$ 概括已见的内容——其余行用先验。使用后向推断时，$a_t$ 只能在给定的行上运行，下面的行是未知的。不同的 $\epsilon$ 给出不同的结尾：它们之间的差异就是模型对数字其余部分的不确定性。

@widget

值得注意的地方：

- 训练前，给定行以下的补全是灰色的噪声。几百步之后它们会延续笔画；给定的行越多，补全彼此之间、与真实数字之间越一致。
- 给定的行很少时补全各不相同：上面的一个圈可能变成 9、8 或 0。这种分歧正是每步一个隐变量的意义——确定性的 RNN 只会给出一种结尾。
- 每行 KL 在顶部空白行接近零，在数字开始的地方最高（大约第 5 到 10 行，形状在那里决定），到底部几行又降下来。
- 种子 1、训练 600 步时，后向推断的测试 −ELBO 为 123.2 奈特，前向为 125.4：它的后验知道下面的行。每步耗时约为前向的 1.6 倍。生成不使用 $q$，所以那里的变化只来自训练对先验和解码器的塑造。
- 模型很小（32 个单元的 GRU、4 维编码、几千张训练图），以便在你的浏览器里用 CPU 训练；它画出的数字比较粗糙。

Q: 它和隐 ODE 有什么不同？
隐 ODE 每条序列一个随机向量，动力学是确定的；VRNN 每一步一个随机向量，所以能表示未来会分叉的序列。它的动力学是离散的节拍，而不是连续时间里的流。

Q: 为什么不像 RNN 语言模型那样把随机性全放在解码器里？
每个像素输出一个伯努利分布的 RNN 也能建模同样的数据，但它唯一的随机性是像素级噪声，给定过去后同一行内相互独立。$z_t$ 能让整行（一笔）一起变化，这是逐像素噪声表达不了的。

Q: 有些 SRNN 代码用推断网络来"生成"，这对吗？
只对已知的行成立。后向后验 $q(z_t \given a_t, h_{t-1})$ 读取 $a_t$，即第 $t$ 行到最后一行的概括：要对某一行使用它，这些行必须已经存在。在真实数据上运行它再解码是重构（对给定的行来说，就是这里补全所做的），而不是生成。对没人见过的行，只有先验 $p_\theta(z_t \given h_{t-1})$ 可用——这正是它需要学习的原因，KL 也正是在训练它预测 $q$ 会给出什么。
`,
};

export const T = {
  pause: { en: 'Pause', zh: '暂停' },
  resume: { en: 'Continue', zh: '继续' },
  more: (n) => ({ en: `Train ${n.toLocaleString('en')} more steps`, zh: `再训练 ${n} 步` }),
  newSeed: { en: 'New model (next seed)', zh: '换一个模型（下一个种子）' },
  inference: { en: 'Inference', zh: '推断方式' },
  forward: { en: 'forward q(z_t | x_t, h_{t−1})', zh: '前向 q(z_t | x_t, h_{t−1})' },
  backward: { en: 'backward q(z_t | a_t, h_{t−1}) (SRNN)', zh: '后向 q(z_t | a_t, h_{t−1})（SRNN）' },
  digit: { en: 'Test digit', zh: '测试数字' },
  rows: { en: 'Rows given', zh: '给定行数' },
  completeCaption: {
    en: 'Completion: the test digit (left), then completions whose top rows (above the red line) are given — z from the posterior there, from the prior below.',
    zh: '补全：左边是测试数字，右边是补全结果；红线以上的行是给定的——那里的 z 来自后验，以下来自先验。',
  },
  generateCaption: { en: 'Generated row by row from the prior alone (Bernoulli means).', zh: '只用先验逐行生成（伯努利均值）。' },
  newSamples: { en: 'New samples', zh: '重新采样' },
  klCaption: { en: 'KL per row on the test set (nats per image), rows 1 to 28 from left to right: what each row’s code costs. Blue: the rows given in the completion above; amber: the rows it generates.', zh: '测试集上每行的 KL（每张图的奈特数），从左到右为第 1 到 28 行：每一行的编码花费多少。蓝色：上面补全中给定的行；橙色：补全生成的行。' },
  chart: { en: 'Training loss (−ELBO per image) and its KL term', zh: '训练损失（每张图的 −ELBO）及其中的 KL 项' },
  stepAxis: { en: 'step', zh: '步数' },
  loss: { en: '−ELBO', zh: '−ELBO' },
  kl: { en: 'KL', zh: 'KL' },
  negElbo: { en: 'test −ELBO per image (nats)', zh: '测试集每张图的 −ELBO（奈特）' },
  recon: { en: 'test reconstruction term', zh: '测试集重构项' },
  klTotal: { en: 'test KL (sum over rows)', zh: '测试集 KL（各行之和）' },
  loading: { en: 'Loading the engine (CPU build) and MNIST…', zh: '正在加载引擎（CPU 版）和 MNIST…' },
  training: { en: 'training', zh: '训练中' },
  paused: { en: 'paused', zh: '已暂停' },
  trained: { en: 'trained', zh: '训练完成' },
  failed: { en: 'stopped by an error', zh: '因错误停止' },
  cannotLoad: { en: 'The VRNN engine or MNIST could not be loaded:', zh: '无法加载 VRNN 引擎或 MNIST：' },
  cannotBuild: { en: 'The VRNN could not be built:', zh: '无法构建 VRNN 模型：' },
  trainFailed: { en: 'Training stopped:', zh: '训练停止：' },
  evalFailed: { en: 'Evaluating on the test set failed:', zh: '在测试集上评估失败：' },
  drawFailed: { en: 'This figure cannot be drawn:', zh: '这张图无法绘制：' },
};
