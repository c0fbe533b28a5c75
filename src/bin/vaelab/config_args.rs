//! The model flags of `vaelab train` / `bench`, derived from the config table (one `--key` per
//! row of `vaelab::config::SCHEMA`), plus `--config FILE` and `--preset NAME` (config/presets.rs). Values are checked strictly: a CLI
//! value that a link would clamp is an error here, with the same words.

use std::path::PathBuf;

use clap::{Arg, ArgMatches, Args, Command, FromArgMatches};
use vaelab::config::{ModelConfig, PRESETS, SCHEMA};
use vaelab::{Result, VaeError};

/// `--config FILE` or `--preset NAME`, and one flag per config key; each flag overrides the file
/// (or the preset, or the defaults).
pub struct ConfigArgs {
    file: Option<PathBuf>,
    preset: Option<String>,
    pairs: Vec<(&'static str, String)>,
}

/// The clap id of a key's flag: the key, except `data`, whose flag is `--dataset` because `--data DIR`
/// (the directory the files are read from) already has that id.
fn arg_id(key: &'static str) -> &'static str {
    if key == "data" { "dataset" } else { key }
}

/// The flag of a key: its clap id with dashes.
fn flag(key: &str) -> String {
    match key {
        "data" => "dataset".to_string(),
        _ => key.replace('_', "-"),
    }
}

impl Args for ConfigArgs {
    fn augment_args(mut cmd: Command) -> Command {
        cmd = cmd.arg(
            Arg::new("config")
                .long("config")
                .value_name("FILE")
                .value_parser(clap::value_parser!(PathBuf))
                .help("JSON config file (keys as in the weights' metadata); the flags below override it"),
        );
        let names: Vec<&'static str> = PRESETS.iter().map(|p| p.0).collect();
        cmd = cmd.arg(
            Arg::new("preset")
                .long("preset")
                .value_name("NAME")
                .value_parser(clap::builder::PossibleValuesParser::new(names))
                .conflicts_with("config")
                .help(
                    "A named config (burda: Burda et al.'s protocol; default: PyTorch examples/vae); flags override it",
                ),
        );
        for spec in SCHEMA {
            let kind = spec.access.kind();
            let value_name = match kind {
                "layers" => "W[,W…]".to_string(),
                "choice" => spec.access.choices().join("|"),
                "bool" => "true|false".to_string(),
                _ => "N".to_string(),
            };
            let default = ModelConfig::default().to_pairs().into_iter().find(|(k, _)| *k == spec.key).map(|p| p.1);
            let help = format!("{} [default: {}]", spec.help.trim(), default.unwrap_or_default());
            cmd = cmd.arg(Arg::new(arg_id(spec.key)).long(flag(spec.key)).value_name(value_name).help(help));
        }
        cmd
    }

    fn augment_args_for_update(cmd: Command) -> Command {
        Self::augment_args(cmd)
    }
}

impl FromArgMatches for ConfigArgs {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        let pairs = SCHEMA
            .iter()
            .filter_map(|spec| matches.get_one::<String>(arg_id(spec.key)).map(|v| (spec.key, v.clone())))
            .collect();
        Ok(ConfigArgs {
            file: matches.get_one::<PathBuf>("config").cloned(),
            preset: matches.get_one::<String>("preset").cloned(),
            pairs,
        })
    }

    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        *self = Self::from_arg_matches(matches)?;
        Ok(())
    }
}

impl ConfigArgs {
    /// The config: the file (or the defaults) with every flag applied; any value a link would
    /// have to repair is an error naming the flag.
    pub fn resolve(&self) -> Result<ModelConfig> {
        let base = match &self.file {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|e| VaeError::io(path, e))?;
                ModelConfig::from_json(&text).map_err(|e| VaeError::Config(format!("{}: {e}", path.display())))?
            }
            None => ModelConfig::default(),
        };
        let preset = self.preset.as_deref().map(|name| ("preset", name));
        let pairs = preset.into_iter().chain(self.pairs.iter().map(|(k, v)| (*k, v.as_str())));
        let (config, notes) = base.with_pairs(pairs);
        if !notes.is_empty() {
            // A link repairs and says what it used instead; the CLI refuses and says why.
            let refuse = |note: &String| {
                let why = note.rsplit_once("; using").map_or(note.as_str(), |(why, _)| why);
                match why.split_once(':') {
                    Some((key, rest)) => format!("--{}:{rest}", flag(key)),
                    None => format!("--{why}"),
                }
            };
            let notes: Vec<String> = notes.iter().map(refuse).collect();
            return Err(VaeError::Config(notes.join("; ")));
        }
        config.validate()?;
        Ok(config)
    }
}
