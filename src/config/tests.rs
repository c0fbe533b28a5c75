//! Tests of the config table and everything derived from it: validation, the link form and its
//! clamping, restarts, and the schema the page reads. Each derived piece is checked for EVERY row,
//! so a new key is covered by adding its row alone.

use super::*;

fn pairs(query: &str) -> Vec<(&str, &str)> {
    query.split('&').filter_map(|kv| kv.split_once('=')).collect()
}

#[test]
fn default_is_valid_and_round_trips_as_json() {
    let config = ModelConfig::default();
    config.validate().unwrap();
    assert_eq!(ModelConfig::from_json(&config.to_json()).unwrap(), config);
}

#[test]
fn every_key_is_in_the_schema_the_json_and_the_link() {
    let json = serde_json::to_value(ModelConfig::default()).unwrap();
    let fields: Vec<&String> = json.as_object().unwrap().keys().collect();
    assert_eq!(fields.len(), SCHEMA.len(), "a struct field without a schema row");
    let query = ModelConfig::default().to_query();
    let linked: Vec<&str> = pairs(&query).iter().map(|(k, _)| *k).collect();
    let keys: Vec<&str> = SCHEMA.iter().map(|s| s.key).collect();
    assert_eq!(linked, keys);
    for spec in SCHEMA {
        assert!(json.get(spec.key).is_some(), "{} is not a field", spec.key);
        assert!(!spec.label.is_empty() && !spec.help.trim().is_empty(), "{} needs a label and help", spec.key);
        let row = spec.to_json();
        assert_eq!(row["default"], json[spec.key], "{}: schema default differs from Default", spec.key);
    }
}

#[test]
fn every_key_round_trips_through_its_link_form() {
    // Change every key away from its default (to a value inside its limits), then read it back.
    let mut config = ModelConfig::default();
    for spec in SCHEMA {
        let raw = match spec.access.kind() {
            "int" => format!("{}", (spec.limits.min as u64 + 2).min(spec.limits.max as u64)),
            "float" => format!("{}", (spec.limits.min + spec.limits.max) / 3.0),
            "layers" => "17,5".to_string(),
            "bool" => "true".to_string(),
            "choice" => spec.access.choices().last().unwrap().to_string(),
            other => panic!("unknown kind {other}"),
        };
        let (next, notes) = config.with_pairs([(spec.key, raw.as_str())]);
        assert!(notes.is_empty(), "{}: {notes:?}", spec.key);
        assert!(spec.access.differs(&config, &next), "{} = {raw} did not change the config", spec.key);
        config = next;
    }
    let query = config.to_query();
    let (back, notes) = ModelConfig::default().with_pairs(pairs(&query));
    assert_eq!(back, config);
    assert!(notes.is_empty(), "{notes:?}");
}

#[test]
fn every_key_clamps_garbage_with_a_notice() {
    for spec in SCHEMA {
        let (config, notes) = ModelConfig::default().with_pairs([(spec.key, "<b>x</b>")]);
        config.validate().unwrap();
        assert_eq!(notes.len(), 1, "{}: {notes:?}", spec.key);
        assert!(notes[0].starts_with(&format!("{}: ", spec.key)), "{notes:?}");
    }
}

#[test]
fn validate_lists_every_problem() {
    let config = ModelConfig { latent: 0, lr: f32::NAN, enc_hidden: vec![], ..Default::default() };
    let message = config.validate().unwrap_err().to_string();
    assert!(message.contains("latent = 0"), "{message}");
    assert!(message.contains("lr = NaN"), "{message}");
    assert!(message.contains("enc_hidden has 0 layers"), "{message}");
}

#[test]
fn unknown_json_keys_are_rejected() {
    let err = ModelConfig::from_json(r#"{"latnet": 2}"#).unwrap_err().to_string();
    assert!(err.contains("latnet"), "{err}");
}

#[test]
fn malformed_values_are_clamped_with_notices() {
    let pairs = [
        ("latent", "-5"),
        ("beta", "abc"),
        ("lr", "1e9"),
        ("<script>", ""),
        ("enc_hidden", "9999,0,5,6"),
        ("activation", "<b>x</b>"),
    ];
    let (c, notes) = ModelConfig::default().with_pairs(pairs);
    assert_eq!(c.latent, 1);
    assert_eq!(c.beta, 1.0);
    assert_eq!(c.lr, 1.0);
    assert_eq!(c.enc_hidden, vec![4096, 1, 5]);
    assert_eq!(c.activation, Activation::Relu);
    c.validate().unwrap();
    let text = notes.join("\n");
    for expected in [
        "latent: “-5” is below 1; using 1",
        "beta: “abc” is not a number; using 1",
        "lr: “1e9” is above 1; using 1",
        "enc_hidden: 4 layers given; keeping the first 3",
        "activation: “<b>x</b>” is not one of relu, tanh; using the default",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in\n{text}");
    }
    assert!(!text.contains("script"), "unknown keys are ignored silently");
}

#[test]
fn fractions_of_whole_keys_are_rounded() {
    let (c, notes) = ModelConfig::default().with_pairs([("latent", "2.6"), ("batch_size", "1e2")]);
    assert_eq!((c.latent, c.batch_size), (3, 100));
    assert_eq!(notes, ["latent: “2.6” is not a whole number; using 3"]);
}

#[test]
fn nan_and_infinity_are_repaired() {
    let (c, notes) = ModelConfig::default().with_pairs([("beta", "NaN"), ("gamma", "inf")]);
    assert_eq!(c.beta, 1.0);
    assert_eq!(c.gamma, 10_000.0);
    assert_eq!(notes.len(), 2);
}

#[test]
fn restarts_follow_the_table() {
    let base = ModelConfig::default();
    for spec in SCHEMA {
        let (changed, _) = base.with_pairs([(spec.key, spec.access.choices().last().copied().unwrap_or("3"))]);
        if !spec.access.differs(&base, &changed) {
            continue;
        }
        match spec.restart {
            Restart::Always => assert!(base.needs_rebuild(&changed), "{} should restart", spec.key),
            Restart::Never => assert!(!base.needs_rebuild(&changed), "{} should apply live", spec.key),
            Restart::When { .. } => {}
        }
    }
    let capacity = ModelConfig { objective: Objective::Capacity, ..base.clone() };
    let iwae = ModelConfig { objective: Objective::Iwae, ..base.clone() };
    assert!(!base.needs_rebuild(&capacity), "elbo → capacity is live");
    assert!(base.needs_rebuild(&iwae), "elbo → iwae needs the IWAE kernels");
    assert_eq!(base.rebuild_keys(&ModelConfig { latent: 2, seed: 3, beta: 4.0, ..base.clone() }), ["latent", "seed"]);
}

#[test]
fn schema_json_describes_controls() {
    let schema = schema_json();
    let rows = schema.as_array().unwrap();
    let row = |key: &str| rows.iter().find(|r| r["key"] == key).unwrap().clone();
    assert_eq!(row("latent")["kind"], "int");
    assert_eq!(row("latent")["min"], 1.0);
    assert_eq!(row("latent")["restarts"], "always");
    assert_eq!(row("latent")["shape"], true);
    assert_eq!(row("beta")["restarts"], "never");
    assert_eq!(row("beta")["slider"]["max"], 10.0);
    assert_eq!(row("lr")["slider"]["log"], true);
    assert_eq!(row("objective")["choices"], serde_json::json!(["elbo", "capacity", "iwae"]));
    assert_eq!(row("objective")["restarts"], "sometimes");
    assert_eq!(row("enc_hidden")["layers"], serde_json::json!([1, 3]));
    assert_eq!(row("conditional")["kind"], "bool");
}

#[test]
fn schedules() {
    let config = ModelConfig { kl_warmup: 100, beta: 2.0, capacity_steps: 10, capacity_max: 5.0, ..Default::default() };
    assert!((config.kl_weight_at(0) - 0.02).abs() < 1e-6);
    assert_eq!(config.kl_weight_at(99), 2.0);
    assert_eq!(config.kl_weight_at(1000), 2.0);
    assert_eq!(config.capacity_at(0), 0.0);
    assert_eq!(config.capacity_at(5), 2.5);
    assert_eq!(config.capacity_at(50), 5.0);
}

#[test]
fn float_bounds_that_f32_cannot_hold_still_validate() {
    // Found by tests/parsers.rs: lr=0 clamped to 1e-6, which f32 rounds to 9.99999997e-7 < 1e-6.
    for raw in ["0", "0.000001", "1e-30"] {
        let (config, _) = ModelConfig::default().with_pairs([("lr", raw), ("adam_eps", raw)]);
        config.validate().unwrap();
        let (back, notes) = ModelConfig::default().with_pairs(pairs(&config.to_query()));
        assert_eq!((back, notes), (config, vec![]), "lr={raw}");
    }
}
