// Bad numbers: a non-finite loss in the arriving metrics pauses the run, puts back the newest kept
// copy of the weights from before it (Session.continueFrom), and says what likely caused it.

/** Whether every value is a finite number (v − v is NaN for NaN and ±∞). */
export function allFinite(values) {
  if (!values || values.length === 0) return false;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v - v !== 0) return false;
  }
  return true;
}

const badMetric = (m) => !Number.isFinite(m.recon) || !Number.isFinite(m.kl);

/** The likely causes in `config` and what to try: `{cause, advice}` (sentences without the full stop). */
export function diagnose(config) {
  const causes = [];
  const tries = [];
  if (config.lr > 3e-3) {
    causes.push(`the learning rate ${config.lr} is high for Adam on this model`);
    tries.push('a learning rate of 0.001 or lower');
  }
  if (config.beta > 10 || config.beta < 0.1) {
    causes.push(`β = ${config.beta} is far from 1`);
    tries.push('β nearer 1, or a KL warm-up of a few thousand steps');
  }
  if (causes.length === 0) {
    causes.push('a step pushed the weights or the variances too far (an exp overflowed)');
    tries.push('a lower learning rate (half of it)', 'a KL warm-up of 1,000 steps');
  }
  return { cause: causes.join(', and '), advice: tries.join(', or ') };
}

export class NumberGuard {
  /**
   * Watches `session`'s metrics. `onTripped({step, back, value, cause, advice})` is told after the run
   * went back to step `back` (0: the initial weights, when no good copy was kept yet).
   */
  constructor(session, { onTripped = () => {}, onError = () => {} } = {}) {
    Object.assign(this, { session, onTripped, onError });
    this.good = null; // a kept copy whose next step's loss came back finite
    this.candidate = null; // the newest kept copy with finite weights, not yet confirmed
    this.busy = false;
    session.on('kept', (kept) => this.#kept(kept));
    session.on('metrics', (metrics) => this.#check(metrics));
    session.on('run', ({ restored }) => {
      if (!restored) this.good = this.candidate = null;
    });
  }

  #kept(kept) {
    if (this.busy || !kept || !allFinite(kept.weights)) return;
    if (this.session.step > kept.step) this.good = kept; // steps after it reported finite losses
    else this.candidate = kept;
  }

  #check({ train, test }) {
    if (this.busy) return;
    for (const m of train) {
      if (badMetric(m)) return this.#trip(m);
      if (this.candidate && m.step > this.candidate.step) {
        this.good = this.candidate;
        this.candidate = null;
      }
    }
    const bad = test.find(badMetric);
    if (bad) this.#trip(bad);
  }

  /** The copy to go back to before bad step `step`: the newest with finite weights from before it. */
  #target(step) {
    if (this.candidate && this.candidate.step < step) return this.candidate;
    if (this.good && this.good.step < step) return this.good;
    return null;
  }

  async #trip(m) {
    this.busy = true;
    const session = this.session;
    const value = [m.recon, m.kl].find((v) => !Number.isFinite(v));
    const shown = value === null || Number.isNaN(value) ? 'NaN (not a number)' : String(value);
    const { cause, advice } = diagnose(session.config);
    try {
      const kept = this.#target(m.step);
      session.pause();
      await session.settle();
      if (kept) {
        session.history.truncate(kept.step);
        await session.continueFrom({ ...kept, history: session.history });
      } else {
        await session.reset();
      }
      this.good = kept;
      this.candidate = null;
      this.onTripped({ step: m.step, back: kept?.step ?? 0, value: shown, cause, advice });
    } catch (e) {
      this.onError(e);
    } finally {
      this.busy = false;
    }
  }
}
