// Lesson 11's words in English and Chinese: its title, summary and text (markup: ../prose.js), and the
// labels of its widget. Data only; widget.js builds the live part.

export const title = { en: 'Latent ODEs: z as a trajectory', zh: '隐 ODE：把 z 变成一条轨迹' };

export const summary = {
  en: 'A sequence observed at irregular times gets one code $z_0$; an ODE carries it forward, and running the solver past the data extrapolates.',
  zh: '在不规则时刻观测到的序列只得到一个编码 $z_0$；一个 ODE 把它向前推进，让求解器越过数据继续跑，就是外推。',
};

export const text = {
  en: String.raw`
## From a point to a path

In lessons 1 to 9 the code was a single point: an image $x$ went in, a Gaussian $q_\phi(z \given x)$ came out, and one $z$ decoded to one image; the [VRNN](lesson:vrnn) drew a fresh code at every step of a sequence. Many data are not one thing but a process in time: a patient's measurements, a pendulum, a planet. They are observed at irregular moments, some values are missing, and the interesting question is often what happens *next*.

A **latent ODE** (Rubanova, Chen and Duvenaud, 2019, building on Chen et al.'s neural ODEs, 2018) keeps the VAE's recipe and lets the code move. The latent state is a trajectory $z(t)$, fixed by its start $z_0$ and a learned law of motion:

$$z_0 \sim p(z_0) = \N(0, I), \qquad \frac{\mathrm{d}z}{\mathrm{d}t} = f_\theta\big(z(t)\big), \qquad x(t_i) \sim \N\big(g_\theta(z(t_i)),\, \sigma^2 I\big).$$

All randomness sits in $z_0$. Once it is drawn, the whole future is determined by $f_\theta$: the model says "each sequence is one point, moved along a flow". Here $z$ has 4 dimensions and $f_\theta$ is a small network, $f_\theta(z) = W_2 \tanh(W_1 z + b_1) + b_2$ with 20 hidden units, the same at every time (the dynamics are *autonomous*). The decoder $g_\theta$ maps each $z(t)$ to a point $(x, y)$ of the plane.

The data in the widget are 2-D spirals, $p(t) = r_0 e^{-0.1 t}\big(\cos(\pm t + \varphi), \sin(\pm t + \varphi)\big)$, turning either way, observed with noise of standard deviation 0.05 at a random half of the grid points $t = 0, 0.1, \dots, 5$. Training sees only $t \le 5$; the second half, $5 < t \le 10$, is kept for judging extrapolation.

## The encoder reads backwards

The encoder must turn a variable number of points, at arbitrary times, into $q_\phi(z_0 \given x)$. A recurrent network does this: a GRU cell with 25 hidden units reads the observed points one by one, each as $(x_i, y_i, t_i - t_{\text{start}})$, and updates its state $h$. It runs **backwards**, from the last observation to the first, so that its final state summarizes everything seen *from the point of view of the start*, which is where $z_0$ lives:

$$h \leftarrow \mathrm{GRU}\big(h,\, (x_i, t_i)\big) \quad \text{for } i = n, n-1, \dots, 1,$$

$$(\mu, \log \sigma^2) = \mathrm{Linear}(h), \qquad q_\phi(z_0 \given x) = \N\big(\mu, \mathrm{diag}\, \sigma^2\big).$$

Missing points need no special treatment: the GRU simply never sees them. A sample is drawn with the reparameterization trick of [lesson 3](lesson:reparameterization), $z_0 = \mu + \sigma \odot \epsilon$.

## Solving the ODE: fixed-step RK4

The latent path is $z(t) = z_0 + \int_0^t f_\theta(z(s)) \dd s$, which a computer approximates step by step. The classic fourth-order Runge–Kutta method moves from $z$ at time $t$ to time $t + h$ with four evaluations of $f$:

$$k_1 = f(z), \quad k_2 = f\big(z + \tfrac{h}{2} k_1\big), \quad k_3 = f\big(z + \tfrac{h}{2} k_2\big), \quad k_4 = f(z + h\, k_3),$$

$$z(t + h) \approx z + \tfrac{h}{6}\big(k_1 + 2k_2 + 2k_3 + k_4\big).$$

The grid spacing is 0.1. With $S$ substeps per grid interval, $h = 0.1 / S$ and reaching $t = 5$ costs $4 \cdot 50 \cdot S$ evaluations of $f$ per sequence, forward; the backward pass through the same steps costs about as much again. The error of one RK4 step is of order $h^5$, so the error over a fixed span is of order $h^4$: halving $h$ divides it by about 16. More substeps means a more faithful solution of the ODE the network defines, at a price that grows linearly with $S$. The widget measures that price. (Adaptive solvers such as Dormand–Prince choose $h$ themselves; a fixed step keeps the cost predictable and the gradient exact, since it is computed by backpropagating through every stage of every step.)

## Decoding every time point, and the ELBO

Each $z(t_i)$ at an observed time is decoded, $\hat x_i = g_\theta(z(t_i))$ with $g_\theta(z) = W_4\, \mathrm{relu}(W_3 z + b_3) + b_4$. The ELBO is the one of [lesson 2](lesson:elbo), with a sum over time points in the likelihood and a single KL term, because only $z_0$ is random:

$$\ELBO = \E_{q_\phi(z_0 \given x)}\Big[\sum_{i} \log \N\big(x_i;\, \hat x_i,\, \sigma^2 I\big)\Big] - \KL\big(q_\phi(z_0 \given x)\,\|\,\N(0, I)\big).$$

With $\sigma = 0.1$ fixed, the log-likelihood is $-\sum_i \|x_i - \hat x_i\|^2 / (2\sigma^2)$ plus a constant, which the chart leaves out. The loss is $-\ELBO$, one sample of $\epsilon$ per sequence, averaged over a batch of 50 and minimized with Adam.

## Generation is solving further

Because the future of $z$ is the solution of an ODE, nothing ties the solver to the observed window. To **extrapolate**, encode the window, then keep integrating past its end and decode: the red part of the curves below. To **generate**, draw $z_0 \sim \N(0, I)$ and integrate from there. A static VAE has no such knob: its samples are single images, and it has no notion of "later".

Drag the shaded window (or its edges) along the time axis, or move it with the keys. A short window gives the encoder few points, and $q(z_0)$ grows uncertain; a window placed late in time, beyond what training ever showed the encoder, tests whether it learned something general. Then change the RK4 substeps and watch the cost per step.

@widget

What to look for:

- At step 0 the decoded curve is a small knot near the origin. Within a few hundred steps it follows the spiral inside the window; the extrapolation takes longer (its test error falls well after the reconstruction's), and then bends the right way and keeps decaying: the vector field has learned a rotation with damping, not a table of points.
- The test extrapolation error (on $5 < t \le 10$, against the clean spiral) stays above the reconstruction error: errors in $z_0$ and in $f_\theta$ compound as the solver runs on.
- The loss is noisy from batch to batch (50 spirals each) but falls steadily: Adam at a learning rate of 0.003, with the gradient's norm clipped at 100. Without the clip, at 0.01, a step every few hundred hit a gradient ten times the usual size and the loss jumped up for a while — backpropagating through a solver and a recurrent encoder does that. The extrapolation error falls later and wanders more than the reconstruction error.
- The prior samples turn around the origin too, some one way and some the other, because every $z_0$ is carried by the same learned flow. They are rougher than the reconstructions: the prior reaches codes the encoder rarely produced, and a small model with a 4-D code has not made all of $\N(0, I)$ look like data. The dashed halves are time the model was never trained on.
- The measured time per step grows with the substeps, roughly in proportion once the solver dominates. What it buys is small here: a spiral turns once in about $2\pi \approx 6$ time units, 60 grid steps, so $h = 0.1$ is already fine for RK4. Changing $S$ trains again from the same seed — the same initial weights, batches and $\epsilon$ — so any difference is the solver's doing; early in training the test errors agree to the last digit shown.

Q: Why not a plain RNN decoder?
An RNN moves in discrete ticks of its input, so irregular gaps need padding, masks or time as an input, and it has no natural meaning between ticks. The ODE defines $z(t)$ at every real $t$: any observation time, any gap, any horizon is the same computation. The price is the solver's cost, and dynamics that must be smooth in time.

Q: Is the latent ODE a VAE?
Yes: an encoder giving $q_\phi(z_0 \given x)$, a prior $\N(0, I)$, a decoder $p_\theta(x \given z_0)$ and the ELBO. The decoder just happens to contain an ODE solver. Compare the code of a static VAE, one vector per image, with this one: one vector per *sequence*, whose trajectory is fixed by the learned $f_\theta$.

Q: What does the autonomous $f$ rule out?
A flow that does not depend on $t$ cannot know the absolute time, only the state. For spirals that is right (the physics is the same at every moment). Data whose dynamics change with the clock need $t$ as an input to $f$, or a richer latent state.
`,
  zh: String.raw`
## 从一个点到一条路径

第 1 到第 9 课里，编码都是一个点：输入图像 $x$，得到高斯分布 $q_\phi(z \given x)$，一个 $z$ 解码成一张图像；[VRNN](lesson:vrnn) 则在序列的每一步抽一个新编码。可很多数据不是一个东西，而是一个随时间展开的过程：病人的检测指标、摆动的单摆、运行的行星。它们在不规则的时刻被观测，有的值缺失，而我们常常最关心的是*接下来*会发生什么。

**隐 ODE**（Rubanova、Chen 和 Duvenaud，2019，基于 Chen 等人 2018 年的神经 ODE）保留了 VAE 的做法，只是让编码动起来。隐状态是一条轨迹 $z(t)$，由起点 $z_0$ 和一条学出来的运动规律决定：

$$z_0 \sim p(z_0) = \N(0, I), \qquad \frac{\mathrm{d}z}{\mathrm{d}t} = f_\theta\big(z(t)\big), \qquad x(t_i) \sim \N\big(g_\theta(z(t_i)),\, \sigma^2 I\big).$$

所有的随机性都在 $z_0$ 里。一旦抽出 $z_0$，整个未来就由 $f_\theta$ 决定：这个模型说的是"每条序列都是一个点，沿着一个流场移动"。这里 $z$ 是 4 维的，$f_\theta$ 是一个小网络，$f_\theta(z) = W_2 \tanh(W_1 z + b_1) + b_2$，隐藏层 20 个单元，在所有时刻都一样（动力学是*自治*的）。解码器 $g_\theta$ 把每个 $z(t)$ 映射成平面上的一个点 $(x, y)$。

控件里的数据是二维螺线，$p(t) = r_0 e^{-0.1 t}\big(\cos(\pm t + \varphi), \sin(\pm t + \varphi)\big)$，两个旋转方向都有，在网格点 $t = 0, 0.1, \dots, 5$ 中随机的一半上带噪声（标准差 0.05）被观测。训练只看 $t \le 5$；后一半 $5 < t \le 10$ 留下来检验外推。

## 编码器倒着读

编码器要把个数不定、时刻任意的一组观测点变成 $q_\phi(z_0 \given x)$。循环网络可以做到：一个有 25 个隐藏单元的 GRU 单元逐个读入观测点，每个点写成 $(x_i, y_i, t_i - t_{\text{start}})$，并更新它的状态 $h$。它**倒着**读，从最后一个观测读到第一个，这样它最后的状态就是*站在起点*对所见一切的总结，而 $z_0$ 正位于起点：

$$h \leftarrow \mathrm{GRU}\big(h,\, (x_i, t_i)\big), \quad i = n, n-1, \dots, 1,$$

$$(\mu, \log \sigma^2) = \mathrm{Linear}(h), \qquad q_\phi(z_0 \given x) = \N\big(\mu, \mathrm{diag}\, \sigma^2\big).$$

缺失的点不需要特殊处理：GRU 根本看不到它们。采样用[第 3 课](lesson:reparameterization)的重参数化技巧，$z_0 = \mu + \sigma \odot \epsilon$。

## 解 ODE：固定步长的 RK4

隐路径是 $z(t) = z_0 + \int_0^t f_\theta(z(s)) \dd s$，计算机只能一步步地近似它。经典的四阶龙格–库塔法从时刻 $t$ 的 $z$ 走到 $t + h$，要算四次 $f$：

$$k_1 = f(z), \quad k_2 = f\big(z + \tfrac{h}{2} k_1\big), \quad k_3 = f\big(z + \tfrac{h}{2} k_2\big), \quad k_4 = f(z + h\, k_3),$$

$$z(t + h) \approx z + \tfrac{h}{6}\big(k_1 + 2k_2 + 2k_3 + k_4\big).$$

网格间距是 0.1。每个网格间隔分 $S$ 个子步时，$h = 0.1 / S$，前向走到 $t = 5$ 每条序列要算 $4 \cdot 50 \cdot S$ 次 $f$；沿同样的步反向传播大约再花同样多。RK4 单步的误差是 $h^5$ 量级，所以在固定区间上的累计误差是 $h^4$ 量级：$h$ 减半，误差约缩小到 1/16。子步越多，对网络所定义的那个 ODE 解得越准，代价随 $S$ 线性增长。控件会实测这个代价。（Dormand–Prince 等自适应求解器会自己选 $h$；固定步长让代价可以预料，梯度也是精确的，因为它就是沿每一步的每个阶段反向传播算出来的。）

## 逐个时刻解码，以及 ELBO

每个观测时刻的 $z(t_i)$ 都被解码，$\hat x_i = g_\theta(z(t_i))$，其中 $g_\theta(z) = W_4\, \mathrm{relu}(W_3 z + b_3) + b_4$。ELBO 就是[第 2 课](lesson:elbo)的那个，只是似然项对各时刻求和，而 KL 只有一项，因为只有 $z_0$ 是随机的：

$$\ELBO = \E_{q_\phi(z_0 \given x)}\Big[\sum_{i} \log \N\big(x_i;\, \hat x_i,\, \sigma^2 I\big)\Big] - \KL\big(q_\phi(z_0 \given x)\,\|\,\N(0, I)\big).$$

$\sigma = 0.1$ 固定时，对数似然是 $-\sum_i \|x_i - \hat x_i\|^2 / (2\sigma^2)$ 再加一个常数，图表里略去了这个常数。损失是 $-\ELBO$，每条序列抽一个 $\epsilon$，在 50 条一批上取平均，用 Adam 最小化。

## 生成就是接着往下解

既然 $z$ 的未来是一个 ODE 的解，求解器就不必停在观测窗口里。要**外推**，先编码窗口，再越过窗口末端继续积分并解码：就是下面曲线里红色的部分。要**生成**，就抽 $z_0 \sim \N(0, I)$，从那里开始积分。静态的 VAE 没有这个旋钮：它的样本是一张张单独的图像，没有"之后"这个概念。

沿时间轴拖动阴影窗口（或它的边），也可以用键盘移动。窗口短，编码器看到的点就少，$q(z_0)$ 就更不确定；把窗口放到很晚的时刻，超出训练时编码器见过的范围，就能检验它学到的东西是否具有一般性。然后改变 RK4 子步数，看看每一步的代价。

@widget

可以留意这些：

- 第 0 步时，解码出的曲线只是原点附近的一小团。几百步之内，它就能在窗口里跟上螺线；外推要慢一些（它的测试误差比重构误差下降得晚），然后朝正确的方向弯曲并持续衰减：向量场学到的是带阻尼的旋转，而不是一张记住各点的表。
- 测试集上的外推误差（在 $5 < t \le 10$ 上与干净螺线比较）一直高于重构误差：$z_0$ 和 $f_\theta$ 的误差会随着求解器往前跑而累积。
- 损失在批与批之间有噪声（每批 50 条螺旋），但稳步下降：Adam 学习率 0.003，梯度范数裁剪到 100。不裁剪、学习率 0.01 时，每几百步就会遇到一个比平常大十倍的梯度，损失随之跳高一阵——穿过求解器和循环编码器做反向传播就会这样。外推误差下降得更晚，也比重构误差波动更大。
- 先验样本也绕着原点转，有的顺时针、有的逆时针，因为每个 $z_0$ 都被同一个学到的流场带着走。它们比重构粗糙：先验会取到编码器很少给出的编码，一个只有 4 维编码的小模型也还没能让整个 $\N(0, I)$ 都像数据。虚线那一半是模型从未训练过的时间段。
- 实测的每步时间随子步数增加，在求解器占主导时大致成正比。而在这里它换来的很少：螺线大约 $2\pi \approx 6$ 个时间单位转一圈，也就是 60 个网格步，所以对 RK4 来说 $h = 0.1$ 已经够细了。改变 $S$ 会用同一个种子重新训练——初始权重、批次和 $\epsilon$ 都相同——所以任何差别都来自求解器；训练早期，测试误差直到显示的最后一位都一样。

Q: 为什么不用普通的 RNN 解码器？
RNN 按输入的离散节拍前进，不规则的间隔需要填充、掩码或把时间当输入，而两个节拍之间它没有自然的含义。ODE 在每个实数时刻 $t$ 都定义了 $z(t)$：任意的观测时刻、任意的间隔、任意远的时间，都是同一个计算。代价是求解器的开销，以及动力学必须在时间上是光滑的。

Q: 隐 ODE 算 VAE 吗？
算：给出 $q_\phi(z_0 \given x)$ 的编码器、先验 $\N(0, I)$、解码器 $p_\theta(x \given z_0)$ 和 ELBO 一样不少。只是解码器里碰巧装了一个 ODE 求解器。对比一下静态 VAE 的编码——每张图像一个向量——和这里的编码：每条*序列*一个向量，它的轨迹由学到的 $f_\theta$ 决定。

Q: 自治的 $f$ 排除了什么？
不依赖 $t$ 的流场不知道绝对时间，只知道当前状态。对螺线这是对的（每个时刻的物理规律都一样）。如果数据的动力学随时钟变化，就需要把 $t$ 也作为 $f$ 的输入，或者用更丰富的隐状态。
`,
};

export const T = {
  pause: { en: 'Pause', zh: '暂停' },
  resume: { en: 'Continue', zh: '继续' },
  more: (n) => ({ en: `Train ${n.toLocaleString('en')} more steps`, zh: `再训练 ${n} 步` }),
  newSeed: { en: 'New model (next seed)', zh: '换一个模型（下一个种子）' },
  substeps: { en: 'RK4 substeps S', zh: 'RK4 子步数 S' },
  spiral: { en: 'Test spiral', zh: '测试螺线' },
  another: { en: 'Another one', zh: '换一条' },
  from: { en: 'Window from t =', zh: '窗口起点 t =' },
  to: { en: 'to t =', zh: '终点 t =' },
  resetWindow: { en: 'Training window [0, 5]', zh: '训练窗口 [0, 5]' },
  keys: {
    en: 'On the figure: ← → move the window along time (0.1; with Shift 0.5), ↑ ↓ lengthen or shorten it, Home returns to the training window [0, 5]. Drag the edges or the band with a pointer.',
    zh: '在图上：← → 沿时间移动窗口（0.1；按住 Shift 为 0.5），↑ ↓ 加长或缩短窗口，Home 回到训练窗口 [0, 5]。也可以用鼠标或手指拖动窗口的边或整个窗口。',
  },
  timeCaption: {
    en: 'One test spiral over time, x(t) above and y(t) below. The encoder reads only the black points inside the shaded window; blue is the decoded reconstruction inside it, red the extrapolation after it (grey: the clean spiral; dotted line: t = 5, the end of training data).',
    zh: '一条测试螺线随时间的变化，上为 x(t)，下为 y(t)。编码器只读取阴影窗口里的黑点；蓝色是窗口内解码出的重构，红色是窗口之后的外推（灰色：干净的螺线；虚线：t = 5，训练数据的终点）。',
  },
  planeCaption: { en: 'The same spiral in the plane (x against y); the blue dot is the decoded start of the window.', zh: '同一条螺线画在平面上（x 对 y）；蓝点是窗口起点的解码结果。' },
  priorCaption: { en: 'Samples from the prior: z0 ~ N(0, I), solved to t = 10 and decoded (solid to t = 5, dashed beyond).', zh: '来自先验的样本：z0 ~ N(0, I)，解到 t = 10 再解码（t = 5 之前为实线，之后为虚线）。' },
  newSamples: { en: 'New samples', zh: '重新采样' },
  chart: { en: 'Training loss (−ELBO per sequence, without the constant) and its KL term', zh: '训练损失（每条序列的 −ELBO，不含常数）及其中的 KL 项' },
  stepAxis: { en: 'step', zh: '步数' },
  loss: { en: '−ELBO', zh: '−ELBO' },
  kl: { en: 'KL', zh: 'KL' },
  legendClean: { en: 'clean spiral', zh: '干净螺线' },
  legendObserved: { en: 'observed points (encoder input)', zh: '观测点（编码器输入）' },
  legendRecon: { en: 'reconstruction (inside the window)', zh: '重构（窗口内）' },
  legendExtrap: { en: 'extrapolation (after the window)', zh: '外推（窗口之后）' },
  reconMse: { en: 'test reconstruction MSE (t ≤ 5, vs the clean spiral)', zh: '测试集重构均方误差（t ≤ 5，与干净螺线比较）' },
  extrapMse: { en: 'test extrapolation MSE (5 < t ≤ 10)', zh: '测试集外推均方误差（5 < t ≤ 10）' },
  negElbo: { en: 'test −ELBO per sequence (constant dropped)', zh: '测试集每条序列的 −ELBO（略去常数）' },
  loading: { en: 'Loading the engine (CPU build)…', zh: '正在加载引擎（CPU 版）…' },
  training: { en: 'training', zh: '训练中' },
  paused: { en: 'paused', zh: '已暂停' },
  trained: { en: 'trained', zh: '训练完成' },
  failed: { en: 'stopped by an error', zh: '因错误停止' },
  cannotLoad: { en: 'The ODE engine could not be loaded:', zh: '无法加载 ODE 引擎：' },
  cannotBuild: { en: 'The latent ODE could not be built:', zh: '无法构建隐 ODE 模型：' },
  trainFailed: { en: 'Training stopped:', zh: '训练停止：' },
  evalFailed: { en: 'Evaluating on the test set failed:', zh: '在测试集上评估失败：' },
  windowProblem: { en: 'This window cannot be encoded:', zh: '这个窗口无法编码：' },
};
