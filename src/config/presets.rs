//! Named whole configs (`preset=burda` in a link, `--preset burda` in the CLI): each preset is the
//! defaults plus a few link pairs, expanded by `ModelConfig::with_pairs` before the link's own pairs.

use super::ModelConfig;

/// Name → the pairs it sets over the defaults. `default` (alias `examples`) is PyTorch's
/// examples/vae; `burda` is the protocol of Burda, Grosse & Salakhutdinov (2016) that
/// bench/pytorch_burda.py runs: dynamically binarized MNIST, 784-200-200-50 tanh, batch 100,
/// Adam (lr 1e-3, ε 1e-4), output bias = logit of the mean training pixel.
pub const PRESETS: &[(&str, &str)] = &[
    ("default", ""),
    ("examples", ""),
    (
        "burda",
        "binarize=dynamic&enc_hidden=200,200&dec_hidden=200,200&latent=50&activation=tanh&batch_size=100\
         &adam_eps=0.0001&output_bias=mean",
    ),
];

/// The config a preset names, or `None` for an unknown name.
pub fn preset(name: &str) -> Option<ModelConfig> {
    let (_, query) = PRESETS.iter().find(|(n, _)| n.eq_ignore_ascii_case(name.trim()))?;
    let pairs = query.split('&').filter_map(|kv| kv.split_once('='));
    let (config, notes) = ModelConfig::default().with_pairs(pairs);
    debug_assert!(notes.is_empty(), "preset {name}: {notes:?}");
    Some(config)
}

/// The preset named in `pairs` (the last `preset=` wins), or `base`; a note for an unknown name.
pub(super) fn base_of<'a>(base: &ModelConfig, pairs: &[(&'a str, &'a str)], notes: &mut Vec<String>) -> ModelConfig {
    let Some((_, name)) = pairs.iter().rev().find(|(k, _)| *k == "preset") else {
        return base.clone();
    };
    preset(name).unwrap_or_else(|| {
        let names: Vec<&str> = PRESETS.iter().map(|p| p.0).collect();
        notes.push(format!("preset: {} is not one of {}; ignored", super::values::shown(name), names.join(", ")));
        base.clone()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Activation, Binarize, OutputBias};

    fn pairs(query: &str) -> Vec<(&str, &str)> {
        query.split('&').filter_map(|kv| kv.split_once('=')).collect()
    }

    #[test]
    fn burda_is_the_protocol_of_pytorch_burda_py() {
        let c = preset("burda").unwrap();
        let want = ModelConfig {
            binarize: Binarize::Dynamic,
            enc_hidden: vec![200, 200],
            dec_hidden: vec![200, 200],
            latent: 50,
            activation: Activation::Tanh,
            batch_size: 100,
            adam_eps: 1e-4,
            output_bias: OutputBias::Mean,
            ..Default::default()
        };
        assert_eq!(c, want);
        assert_eq!(preset("default").unwrap(), ModelConfig::default());
        assert_eq!(preset("examples").unwrap(), ModelConfig::default());
        assert!(preset("bruda").is_none());
    }

    #[test]
    fn every_preset_round_trips_through_its_link() {
        for (name, _) in PRESETS {
            let config = preset(name).unwrap();
            let (back, notes) = ModelConfig::default().with_pairs(pairs(&config.to_query()));
            assert_eq!(back, config, "{name}");
            assert!(notes.is_empty(), "{name}: {notes:?}");
            // A link may name the preset alone.
            let (named, notes) = ModelConfig::default().with_pairs([("preset", *name)]);
            assert_eq!(named, config, "{name}");
            assert!(notes.is_empty(), "{name}: {notes:?}");
        }
    }

    #[test]
    fn explicit_pairs_override_the_preset_wherever_it_stands() {
        let base = ModelConfig { latent: 7, beta: 3.0, ..Default::default() };
        for query in ["preset=burda&seed=3&latent=8", "seed=3&latent=8&preset=burda"] {
            let (c, notes) = base.with_pairs(pairs(query));
            assert!(notes.is_empty(), "{notes:?}");
            assert_eq!(c, ModelConfig { seed: 3, latent: 8, ..preset("burda").unwrap() }, "{query}");
        }
        // The preset replaces the whole base: β goes back to its default.
        let (c, _) = base.with_pairs([("preset", "default")]);
        assert_eq!(c, ModelConfig::default());
        let (c, notes) = base.with_pairs([("preset", "<b>x</b>"), ("seed", "2")]);
        assert_eq!(c, ModelConfig { seed: 2, ..base.clone() });
        assert_eq!(notes, ["preset: “<b>x</b>” is not one of default, examples, burda; ignored"]);
    }

    #[test]
    fn configs_saved_before_the_new_keys_load_with_their_defaults() {
        // A weights file's metadata from before adam_eps and output_bias existed.
        let old = r#"{"enc_hidden":[400],"dec_hidden":[400],"latent":20,"activation":"relu","lr":0.001,"seed":1}"#;
        let c = ModelConfig::from_json(old).unwrap();
        assert_eq!((c.adam_eps, c.output_bias), (1e-8, OutputBias::Seed));
        assert_eq!(c, ModelConfig::default());
    }
}
