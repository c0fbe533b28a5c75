// The lessons in order (each lesson's `number` is in its widget.js). Each folder l<N>-<name>/ has widget.js, exporting {name, number, engine,
// title, summary, config, params, text, Widget}, and prose.js, its words in English and Chinese (markup:
// ./prose.js). `config` overrides the engine's defaults for the lesson's model, `params` are the widget's
// link keys with their ranges, `Widget` the live part (see widget-kit.js); `training: 'custom'` when the
// widget runs its own training (lesson 5), `engine: false` when it needs no GPU (lessons 9, 10 and 11; lessons 10 and 11 run the engine's VrnnLab
// and OdeLab from the CPU wasm build themselves).
import latentVariables from './l1-latent-variables/widget.js';
import elbo from './l2-elbo/widget.js';
import reparameterization from './l3-reparameterization/widget.js';
import reconVsKl from './l4-recon-vs-kl/widget.js';
import oneSample from './l5-one-sample/widget.js';
import betaCapacity from './l6-beta-capacity/widget.js';
import latentSpace from './l7-latent-space/widget.js';
import conditional from './l8-conditional/widget.js';
import emToVae from './l9-em-to-vae/widget.js';
import vrnn from './l10-vrnn/widget.js';
import latentOde from './l11-latent-ode/widget.js';

export const LESSONS = [latentVariables, elbo, reparameterization, reconVsKl, oneSample, betaCapacity, latentSpace, conditional, emToVae, vrnn, latentOde];
export const BY_NAME = new Map(LESSONS.map((l) => [l.name, l]));
