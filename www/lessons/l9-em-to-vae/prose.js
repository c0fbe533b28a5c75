// Lesson 9's words in English and Chinese: its title, summary and text (markup: ../prose.js), and the
// labels of its widget. Data only; widget.js builds the live part.

export const title = { en: 'From EM to the VAE', zh: '从 EM 到 VAE' };

export const summary = {
  en: 'When the posterior is exact, EM climbs the likelihood step by step; when it is not, an encoder learns to approximate it for every $x$ at once.',
  zh: '后验能精确计算时，EM 一步步爬升似然；算不出来时，就让编码器学会一次性为所有 $x$ 近似它。',
};

export const text = {
  en: String.raw`
## A latent-variable model with an exact posterior

A Gaussian mixture picks a cluster $c$ with probability $\pi_c$, then draws a point from that cluster's Gaussian:

$$p_\theta(x) = \sum_{c=1}^{K} \pi_c\, \N(x;\, \mu_c, \Sigma_c).$$

It is a latent-variable model like the VAE, with a discrete code $c$ in place of a continuous $z$ and a sum in place of the integral. The crucial difference: its posterior is easy. Bayes' rule needs only a sum of $K$ terms in the denominator:

$$p_\theta(c \given x) = \frac{\pi_c\, \N(x; \mu_c, \Sigma_c)}{\sum_{c'} \pi_{c'}\, \N(x; \mu_{c'}, \Sigma_{c'})} \;=:\; r_c(x).$$

## EM climbs the ELBO one coordinate at a time

The identity of [lesson 2](lesson:elbo) holds for any distribution $q$ over the code:

$$\log p_\theta(x) = \ELBO(q, \theta) + \KL\big(q(c \given x)\,\|\,p_\theta(c \given x)\big).$$

Expectation–maximization (Dempster, Laird and Rubin, 1977) alternates two moves on the ELBO, summed over the data:

1. **E-step.** With $\theta$ fixed, set $q$ to the exact posterior, $q(c \given x_n) = r_c(x_n)$, the *responsibilities*. The KL becomes zero and the ELBO touches $\log p_\theta(x)$.
2. **M-step.** With $q$ fixed, maximize the ELBO over $\theta$. For a mixture this has a closed form: each component takes the responsibility-weighted mean and covariance of the points, and its weight is its average responsibility,
$$\mu_c = \frac{\sum_n r_{nc}\, x_n}{\sum_n r_{nc}}, \qquad \Sigma_c = \frac{\sum_n r_{nc}\,(x_n - \mu_c)(x_n - \mu_c)^\top}{\sum_n r_{nc}}, \qquad \pi_c = \frac{1}{N}\sum_n r_{nc}.$$

The M-step raises the ELBO, and $\log p_\theta(x) \ge \ELBO$ rises at least as much; the next E-step closes the gap again. So $\log p_\theta(x)$ never decreases. Step through it below. Colours show the responsibilities (a point between two clusters mixes their colours); ellipses show each Gaussian at one and two standard deviations; the chart shows $\log p(x)$ and the ELBO, per point, after every half-step.

@widget

## When the E-step is impossible

Replace the mixture by a VAE's decoder: a continuous $z$ and a neural network inside $p_\theta(x \given z)$. The E-step now asks for $p_\theta(z \given x) = p_\theta(x \given z)\, p(z) / p_\theta(x)$, and the denominator is the integral of [lesson 1](lesson:latent-variables). There is no exact E-step.

Variational inference gives up exactness. It picks $q$ from a tractable family — say a Gaussian with parameters $\lambda$ — and maximizes the ELBO over $\lambda$ instead of setting $q$ to the posterior. Classical variational EM does this for every data point separately: an inner optimization of $\lambda_n$ for each image $x_n$, redone whenever $\theta$ changes, and again for every new image at test time. With 60,000 images and a neural decoder, that is slow.

**Amortized inference** replaces the per-point optimization with a function: an encoder network that predicts good variational parameters from $x$ in one forward pass, $\lambda(x) = \big(\mu_\phi(x), \sigma_\phi(x)\big)$. Its parameters $\phi$ are trained together with $\theta$, by stochastic gradients on the same ELBO, thanks to the reparameterization trick of [lesson 3](lesson:reparameterization). The cost of inference is paid once, during training, and shared — amortized — over all images; a new image gets its $q$ immediately.

The price is the **amortization gap**: the encoder's $q(z \given x)$ is usually a little worse than the best Gaussian for that particular $x$ would be (Cremer, Li and Duvenaud, 2018). Together with the approximation gap — even the best Gaussian is not the true posterior — it is the gap you measured in [lesson 2](lesson:elbo).

- **Code**: a discrete cluster $c$ in the mixture; a continuous vector $z$ in the VAE.
- **E-step**: the exact posterior $r_c(x)$; versus the encoder's $q_\phi(z \given x) \approx p_\theta(z \given x)$, one forward pass.
- **M-step**: a closed-form update over all data; versus a gradient step on $\theta$ and $\phi$ for one mini-batch.
- **Gap after the E-step**: zero; versus $\KL\big(q_\phi(z \given x)\,\|\,p_\theta(z \given x)\big) > 0$.

Q: Does EM find the best mixture?
It finds a local maximum of the likelihood, so the result depends on where it starts — try "New start" a few times. A component can also collapse onto a single point, where the likelihood grows without bound as its covariance shrinks; practical EM adds a small floor to the covariances, as this widget does.

Q: Is k-means a special case?
In a limit, yes. Fix every covariance to $\epsilon I$ with equal weights and let $\epsilon \to 0$: responsibilities become hard assignments to the nearest mean, and the M-step becomes the mean of each cluster.
`,
  zh: String.raw`
## 一个后验可以精确计算的隐变量模型

高斯混合模型先以概率 $\pi_c$ 选一个簇 $c$，再从这个簇的高斯分布里抽一个点：

$$p_\theta(x) = \sum_{c=1}^{K} \pi_c\, \N(x;\, \mu_c, \Sigma_c).$$

它和 VAE 一样是隐变量模型，只是编码换成了离散的 $c$，积分换成了求和。关键的区别在于：它的后验很好算。贝叶斯公式的分母只是 $K$ 项之和：

$$p_\theta(c \given x) = \frac{\pi_c\, \N(x; \mu_c, \Sigma_c)}{\sum_{c'} \pi_{c'}\, \N(x; \mu_{c'}, \Sigma_{c'})} \;=:\; r_c(x).$$

## EM 沿坐标一步步爬升 ELBO

[第 2 课](lesson:elbo)的恒等式对编码上的任意分布 $q$ 都成立：

$$\log p_\theta(x) = \ELBO(q, \theta) + \KL\big(q(c \given x)\,\|\,p_\theta(c \given x)\big).$$

期望最大化算法（Dempster、Laird 和 Rubin，1977）在对全部数据求和的 ELBO 上交替做两件事：

1. **E 步。** 固定 $\theta$，把 $q$ 设为精确后验 $q(c \given x_n) = r_c(x_n)$，即"责任"。KL 变为零，ELBO 碰到 $\log p_\theta(x)$。
2. **M 步。** 固定 $q$，对 $\theta$ 最大化 ELBO。对混合模型这一步有解析解：每个分量取各点按责任加权的均值和协方差，权重取它的平均责任，
$$\mu_c = \frac{\sum_n r_{nc}\, x_n}{\sum_n r_{nc}}, \qquad \Sigma_c = \frac{\sum_n r_{nc}\,(x_n - \mu_c)(x_n - \mu_c)^\top}{\sum_n r_{nc}}, \qquad \pi_c = \frac{1}{N}\sum_n r_{nc}.$$

M 步提高 ELBO，而 $\log p_\theta(x) \ge \ELBO$ 至少提高同样多；下一个 E 步又把差距合上。所以 $\log p_\theta(x)$ 永远不会下降。在下面一步步试试看。颜色表示责任（夹在两个簇之间的点会混合两者的颜色）；椭圆画出每个高斯分量的一倍和两倍标准差；图表显示每个半步之后、按点平均的 $\log p(x)$ 和 ELBO。

@widget

## 当 E 步无法进行

把混合模型换成 VAE 的解码器：连续的 $z$，$p_\theta(x \given z)$ 里是一个神经网络。E 步现在要求 $p_\theta(z \given x) = p_\theta(x \given z)\, p(z) / p_\theta(x)$，而分母正是[第 1 课](lesson:latent-variables)里的那个积分。精确的 E 步不存在了。

变分推断放弃精确。它从一个易处理的分布族中选 $q$——比如参数为 $\lambda$ 的高斯分布——并对 $\lambda$ 最大化 ELBO，而不是把 $q$ 设为后验。经典的变分 EM 对每个数据点分别这样做：为每张图像 $x_n$ 单独优化一个 $\lambda_n$，$\theta$ 一变就得重做，测试时遇到新图像还得再做一遍。面对 60000 张图像和一个神经网络解码器，这太慢了。

**摊销推断**用一个函数代替逐点优化：一个编码器网络，一次前向传播就从 $x$ 预测出好的变分参数，$\lambda(x) = \big(\mu_\phi(x), \sigma_\phi(x)\big)$。借助[第 3 课](lesson:reparameterization)的重参数化技巧，它的参数 $\phi$ 与 $\theta$ 一起在同一个 ELBO 上用随机梯度训练。推断的代价在训练时一次付清，再分摊——"摊销"——到所有图像上；新图像立刻就能得到它的 $q$。

代价是**摊销差距**：编码器给出的 $q(z \given x)$ 通常比专门为这个 $x$ 挑选的最佳高斯分布差一点（Cremer、Li 和 Duvenaud，2018）。再加上近似差距——哪怕最好的高斯分布也不是真实后验——就是你在[第 2 课](lesson:elbo)里测到的那个差距。

- **编码**：混合模型里是离散的簇 $c$；VAE 里是连续向量 $z$。
- **E 步**：精确后验 $r_c(x)$；对比编码器的 $q_\phi(z \given x) \approx p_\theta(z \given x)$，一次前向传播。
- **M 步**：对全部数据的解析更新；对比在一个小批量上对 $\theta$ 和 $\phi$ 走一步梯度。
- **E 步之后的差距**：零；对比 $\KL\big(q_\phi(z \given x)\,\|\,p_\theta(z \given x)\big) > 0$。

Q: EM 能找到最好的混合模型吗？
它找到的是似然的局部极大值，结果取决于起点——多点几次"换个起点"看看。某个分量还可能坍缩到单个点上，协方差越小似然越大、没有上界；实用的 EM 会给协方差加一个小的下限，这个控件也是这么做的。

Q: k-means 是它的特例吗？
在极限意义下是。把所有协方差固定为 $\epsilon I$、权重相等，令 $\epsilon \to 0$：责任变成"归属最近均值"的硬分配，M 步变成求每个簇的均值。
`,
};

export const T = {
  clusters: { en: 'Components K', zh: '分量数 K' },
  points: { en: 'Points', zh: '点数' },
  nextE: { en: 'E-step', zh: 'E 步' },
  nextM: { en: 'M-step', zh: 'M 步' },
  full: { en: 'One EM iteration', zh: '一次完整迭代' },
  run: (n) => ({ en: `Run ${n} iterations`, zh: `连续迭代 ${n} 次` }),
  restart: { en: 'Back to the start', zh: '回到起点' },
  newStart: { en: 'New start', zh: '换个起点' },
  newData: { en: 'New data', zh: '换一组数据' },
  chart: { en: 'log p(x) and the ELBO per point, after each half-step', zh: '每个半步之后、按点平均的 log p(x) 与 ELBO' },
  logp: { en: 'log p(x)', zh: 'log p(x)' },
  elbo: { en: 'ELBO', zh: 'ELBO' },
  halfStep: { en: 'half-steps (E, M, E, M, …)', zh: '半步（E、M、E、M……）' },
  canvas: { en: 'The data, coloured by responsibilities q(c|x); each component at 1 and 2 standard deviations.', zh: '数据点按责任 q(c|x) 着色；每个分量画出一倍和两倍标准差的椭圆。' },
};
