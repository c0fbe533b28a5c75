// Lesson 11's figures, drawn from what OdeLab answers: a test spiral against time with its window,
// the same spiral in the plane, and trajectories from the prior. Pure drawing: widget.js owns the state.
import { COLOURS } from '../ui.js';
import { field } from '../frame-training.js';

export const GRID = 101; // t_g = g · 0.1, g = 0..100 (the spec's grid)
export const DT = 0.1;
export const T_MAX = 10;
export const T_OBS = 5; // the training window ends here
export const SAMPLES = 6;
const SAMPLE_COLOURS = [COLOURS.blue, COLOURS.red, COLOURS.green, COLOURS.violet, COLOURS.amber, COLOURS.teal];
export const INK = { clean: '#9ca3af', point: '#111827', recon: COLOURS.blue, extrap: COLOURS.red, band: 'rgba(37, 99, 235, 0.08)', edge: 'rgba(37, 99, 235, 0.85)' };
const R = 2.4; // the half-width of the plotted range of x and y

// ---------------------------------------------------------------- reading OdeLab's answers

/** [[x, y], …] from nested pairs or a flat [x0, y0, x1, y1, …]. */
function pairs(v) {
  if (!v) return [];
  const first = v[0];
  if (first != null && typeof first === 'object') return Array.from(v, (p) => [Number(p[0]), Number(p[1])]);
  const out = [];
  for (let i = 0; i + 1 < v.length; i += 2) out.push([Number(v[i]), Number(v[i + 1])]);
  return out;
}

/** sample_prior's answer as one list of points per sample. */
export function samplesOf(v, count) {
  if (!v) return [];
  const first = v[0];
  if (first != null && typeof first === 'object' && (first[0] != null && typeof first[0] === 'object')) return Array.from(v, pairs);
  const flat = pairs(v);
  const per = Math.floor(flat.length / count);
  return Array.from({ length: count }, (_, i) => flat.slice(i * per, (i + 1) * per));
}

/** trajectory's answer: the clean and noisy spiral, which points are observed, the decoded path. */
export function trajectoryOf(v) {
  const clean = pairs(field(v, 'clean'));
  const noisy = pairs(field(v, 'noisy'));
  const observed = Array.from(field(v, 'observed') ?? [], Boolean);
  const recon = pairs(field(v, 'recon'));
  const grid = Array.from(field(v, 'grid') ?? clean.map((_, g) => g * DT), Number);
  const fromIndex = Number(field(v, 'from_index') ?? GRID - recon.length);
  return { clean, noisy, observed, recon, grid, fromIndex };
}

// ---------------------------------------------------------------- drawing

const dot = (ctx, x, y, r) => {
  ctx.beginPath();
  ctx.arc(x, y, r, 0, 2 * Math.PI);
  ctx.fill();
};

/** The decoded path through `at(g, point) → [x, y]`: the reconstruction up to `to`, the extrapolation after. */
function strokeRecon(ctx, data, at, to) {
  const end = Math.round(to / DT);
  const part = (lo, hi, colour) => {
    ctx.strokeStyle = colour;
    ctx.lineWidth = 2.2;
    ctx.beginPath();
    let started = false;
    data.recon.forEach((p, i) => {
      const g = data.fromIndex + i;
      if (g < lo || g > hi) return;
      const [x, y] = at(g, p);
      if (started) ctx.lineTo(x, y);
      else ctx.moveTo(x, y);
      started = true;
    });
    ctx.stroke();
  };
  part(data.fromIndex, end, INK.recon);
  part(end, GRID - 1, INK.extrap);
}

/**
 * x(t) and y(t) in two strips: the window band [from, to] with its handles, the training horizon,
 * the clean curve, the observed points, the decoded path; `problem` (words) over it when there is no
 * data. Returns the plot's horizontal extent {left, right} (the pointer maps x to t with it).
 */
export function paintTime(ctx, w, h, { data, from, to, problem, isError }) {
  const left = 34;
  const right = w - 8;
  const top = 6;
  const bottom = h - 22;
  const gap = 10;
  const stripH = (bottom - top - gap) / 2;
  const px = (t) => left + (t / T_MAX) * (right - left);
  const py = (strip, v) => top + strip * (stripH + gap) + stripH / 2 - (v / R) * (stripH / 2);
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, w, h);
  ctx.fillStyle = INK.band;
  ctx.fillRect(px(from), top, px(to) - px(from), bottom - top);
  ctx.font = '11px system-ui, sans-serif';
  ctx.fillStyle = '#6b7280';
  ctx.strokeStyle = '#e5e7eb';
  ctx.lineWidth = 1;
  for (let s = 0; s < 2; s++) {
    ctx.beginPath();
    ctx.moveTo(left, py(s, 0));
    ctx.lineTo(right, py(s, 0));
    ctx.stroke();
    ctx.fillText(s === 0 ? 'x(t)' : 'y(t)', 2, py(s, 0) + 4);
  }
  for (let t = 0; t <= T_MAX; t += 1) {
    ctx.fillText(t === 10 && w > 500 ? 't = 10' : String(t), px(t) - (t === 10 ? (w > 500 ? 30 : 12) : 3), h - 7);
  }
  ctx.setLineDash([3, 3]);
  ctx.strokeStyle = '#9ca3af';
  ctx.beginPath();
  ctx.moveTo(px(T_OBS), top);
  ctx.lineTo(px(T_OBS), bottom);
  ctx.stroke();
  ctx.setLineDash([]);
  if (data) {
    for (let s = 0; s < 2; s++) {
      ctx.strokeStyle = INK.clean;
      ctx.lineWidth = 1.2;
      ctx.beginPath();
      data.clean.forEach((p, g) => (g ? ctx.lineTo(px(data.grid[g]), py(s, p[s])) : ctx.moveTo(px(data.grid[g]), py(s, p[s]))));
      ctx.stroke();
      ctx.fillStyle = INK.point; // the observed points inside the window: what the encoder reads
      data.noisy.forEach((p, g) => data.observed[g] && dot(ctx, px(data.grid[g]), py(s, p[s]), 2.4));
      strokeRecon(ctx, data, (g, p) => [px(g * DT), py(s, p[s])], to);
    }
  }
  for (const t of [from, to]) {
    ctx.fillStyle = INK.edge;
    ctx.fillRect(px(t) - 1.5, top, 3, bottom - top);
    ctx.fillRect(px(t) - 5, top + (bottom - top) / 2 - 12, 10, 24);
  }
  if (problem) {
    ctx.font = '600 13px system-ui, sans-serif';
    ctx.fillStyle = isError ? '#b91c1c' : '#6b7280';
    ctx.fillText(problem, left + 10, top + 18, right - left - 20);
  }
  return { left, right };
}

/** Axes of the (x, y) plane; returns its {px, py}. */
function planeFrame(ctx, w, h) {
  const scale = Math.min(w, h) / (2 * R);
  const px = (x) => w / 2 + x * scale;
  const py = (y) => h / 2 - y * scale;
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, w, h);
  ctx.strokeStyle = '#e5e7eb';
  ctx.lineWidth = 1;
  ctx.beginPath();
  ctx.moveTo(px(-R), py(0));
  ctx.lineTo(px(R), py(0));
  ctx.moveTo(px(0), py(-R));
  ctx.lineTo(px(0), py(R));
  ctx.stroke();
  return { px, py };
}

/** The same spiral in the plane (x against y), its decoded path and the path's start. */
export function paintPlane(ctx, w, h, data, to) {
  const { px, py } = planeFrame(ctx, w, h);
  if (!data) return;
  ctx.strokeStyle = INK.clean;
  ctx.lineWidth = 1.2;
  ctx.beginPath();
  data.clean.forEach((p, g) => (g ? ctx.lineTo(px(p[0]), py(p[1])) : ctx.moveTo(px(p[0]), py(p[1]))));
  ctx.stroke();
  ctx.fillStyle = INK.point;
  data.noisy.forEach((p, g) => data.observed[g] && dot(ctx, px(p[0]), py(p[1]), 2.4));
  strokeRecon(ctx, data, (g, p) => [px(p[0]), py(p[1])], to);
  const z0 = data.recon[0];
  if (z0) {
    ctx.fillStyle = INK.recon;
    dot(ctx, px(z0[0]), py(z0[1]), 4);
  }
}

/** Trajectories decoded from z0 ~ N(0, I): solid up to t = 5 (as trained), dashed past it. */
export function paintPrior(ctx, w, h, samples, error) {
  const { px, py } = planeFrame(ctx, w, h);
  samples.forEach((pts, i) => {
    const colour = SAMPLE_COLOURS[i % SAMPLE_COLOURS.length];
    ctx.strokeStyle = colour;
    ctx.lineWidth = 1.8;
    const stroke = (lo, hi, dash) => {
      ctx.setLineDash(dash);
      ctx.beginPath();
      for (let g = lo; g <= Math.min(hi, pts.length - 1); g++) (g === lo ? ctx.moveTo : ctx.lineTo).call(ctx, px(pts[g][0]), py(pts[g][1]));
      ctx.stroke();
    };
    const half = Math.round(T_OBS / DT);
    stroke(0, half, []);
    stroke(half, pts.length - 1, [4, 4]);
    ctx.setLineDash([]);
    if (pts[0]) {
      ctx.fillStyle = colour;
      dot(ctx, px(pts[0][0]), py(pts[0][1]), 3.5);
    }
  });
  if (error) {
    ctx.font = '600 13px system-ui, sans-serif';
    ctx.fillStyle = '#b91c1c';
    ctx.fillText(error, 10, 20, w - 20);
  }
}
