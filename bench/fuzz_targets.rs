//! The four parsers that read what a user hands the lab (link pairs, the `edits` list, IDX files,
//! weights files), each with valid seed inputs, a seeded mutator and the properties every answer must
//! keep. Shared by the property tests (tests/parsers.rs) and the long fuzz run (bench/fuzz.rs).
#![allow(dead_code)] // each user takes the parts it needs

use std::path::Path;

use vaelab::config::replay::{MAX_EDITS, parse_entry};
use vaelab::config::{ModelConfig, Replay, SCHEMA};
use vaelab::data::{encode_idx, parse_idx};
use vaelab::error::VaeError;
use vaelab::model::Architecture;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    Pairs,
    Edits,
    Idx,
    Safetensors,
}

pub const TARGETS: [Target; 4] = [Target::Pairs, Target::Edits, Target::Idx, Target::Safetensors];

/// How a parser answered an input that kept every property.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Accepted,
    /// Read with repairs (link pairs and edits): the notes said what was changed.
    Repaired(usize),
    /// Refused with a typed error; the message says why.
    Rejected(String),
}

/// A message a person can act on: present, one paragraph, not a wall of text.
fn clear(message: &str, what: &str) -> Result<(), String> {
    if message.trim().is_empty() || message.len() > 1000 || message.contains('\n') {
        return Err(format!("{what}: unclear message {message:?}"));
    }
    Ok(())
}

/// The page's split of a hash into pairs (percent-decoding is the page's): `&`, then the first `=`.
fn split_pairs(text: &str) -> Vec<(&str, &str)> {
    text.split('&').filter(|p| !p.is_empty()).map(|p| p.split_once('=').unwrap_or((p, ""))).collect()
}

/// A small model whose weights file is quick to mutate and read (784-3-2-2-784).
pub fn tiny_config() -> ModelConfig {
    ModelConfig { enc_hidden: vec![3], dec_hidden: vec![2], latent: 2, ..ModelConfig::default() }
}

/// Valid inputs to start mutations from.
pub fn seeds(target: Target) -> Vec<Vec<u8>> {
    let text = |items: &[&str]| items.iter().map(|s| s.as_bytes().to_vec()).collect();
    match target {
        Target::Pairs => {
            let mut out: Vec<Vec<u8>> = text(&[
                "latent=2&beta=4&seed=7",
                "preset=burda&lr=0.003",
                "enc_hidden=512,256&objective=iwae&samples=5",
            ]);
            let capacity =
                ModelConfig { objective: vaelab::config::Objective::Capacity, kl_warmup: 300, ..tiny_config() };
            out.extend([ModelConfig::default(), tiny_config(), capacity].iter().map(|c| c.to_query().into_bytes()));
            out
        }
        Target::Edits => text(&[
            "3000\n120:beta=4;900:lr=0.0003",
            "50\n1:kl_warmup=100;1:gamma=20;10:objective=capacity;20:capacity_max=5",
            "100000\n5:adam_eps=0.0001;5:lr=0.01;99999:beta=0.5",
        ]),
        Target::Idx => vec![
            encode_idx(&[3, 2, 2], &[0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 255]),
            encode_idx(&[4], &[1, 2, 3, 4]),
            gzip(&encode_idx(&[2, 3], &[9; 6])),
        ],
        Target::Safetensors => {
            let config = tiny_config();
            let total = Architecture::new(&config).total;
            let params: Vec<f32> = (0..total).map(|i| ((i * 7919) % 201) as f32 / 100.0 - 1.0).collect();
            let ours = vaelab::weights::to_bytes(&config, &params).expect("a valid model serializes");
            vec![without_metadata(&ours), ours]
        }
    }
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(bytes).expect("in memory");
    enc.finish().expect("in memory")
}

/// The same tensors as PyTorch's `save_file(state_dict)` writes them: no config in the header.
fn without_metadata(file: &[u8]) -> Vec<u8> {
    let tensors = safetensors::SafeTensors::deserialize(file).expect("our own file reads");
    safetensors::tensor::serialize(tensors.tensors(), None).expect("re-serializes")
}

/// Runs one parser on `input` and checks what it answered. `Err` is a broken property (a panic is
/// caught by the caller).
pub fn check(target: Target, input: &[u8]) -> Result<Outcome, String> {
    match target {
        Target::Pairs => check_pairs(&String::from_utf8_lossy(input)),
        Target::Edits => {
            let text = String::from_utf8_lossy(input);
            let (steps, edits) = text.split_once('\n').unwrap_or(("1000", &text));
            check_edits(steps, edits)
        }
        Target::Idx => check_idx(input),
        Target::Safetensors => check_weights(input),
    }
}

/// Link pairs over the defaults: always a valid config; every repair a note naming its key; the
/// config's own link reads back to itself without a note.
pub fn check_pairs(text: &str) -> Result<Outcome, String> {
    let (config, notes) = ModelConfig::default().with_pairs(split_pairs(text));
    config.validate().map_err(|e| format!("pairs {text:?} gave an invalid config: {e}"))?;
    for note in &notes {
        clear(note, "pairs note")?;
        let named = SCHEMA.iter().any(|s| note.starts_with(&format!("{}:", s.key))) || note.starts_with("preset:");
        if !named {
            return Err(format!("pairs note names no key: {note:?}"));
        }
    }
    let query = config.to_query();
    let (back, again) = ModelConfig::default().with_pairs(split_pairs(&query));
    if back != config || !again.is_empty() {
        return Err(format!("{query:?} does not read back to itself ({again:?})"));
    }
    Ok(if notes.is_empty() { Outcome::Accepted } else { Outcome::Repaired(notes.len()) })
}

/// An `edits` list (with its `steps`): edits in increasing step order, none past `steps`, at most
/// MAX_EDITS, each a change a running model takes; notes for every repair; its own link reads back.
pub fn check_edits(steps: &str, edits: &str) -> Result<Outcome, String> {
    let start = ModelConfig::default();
    let (replay, notes) = Replay::from_link(&start, Some(steps), Some(edits));
    for note in &notes {
        clear(note, "edits note")?;
        if !(note.starts_with("steps: ") || note.starts_with("edits")) {
            return Err(format!("edits note names neither steps nor edits: {note:?}"));
        }
    }
    if replay.edits.windows(2).any(|w| w[0].step >= w[1].step) {
        return Err(format!("edits out of step order: {:?}", replay.edits));
    }
    if replay.edits.len() > MAX_EDITS || replay.edits.iter().any(|e| e.step > replay.steps || e.pairs.is_empty()) {
        return Err(format!("edits past steps={} or empty: {:?}", replay.steps, replay.edits));
    }
    let mut config = start.clone();
    for edit in &replay.edits {
        let (next, repairs) = config.with_pairs(edit.pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        if !repairs.is_empty() || config.needs_rebuild(&next) || next == config {
            return Err(format!("edit {edit:?} is not a clean live change ({repairs:?})"));
        }
        config = next;
    }
    let link = replay.to_link();
    let (steps_text, edits_text) = match link.split_once("&edits=") {
        Some((s, e)) => (s.trim_start_matches("steps="), e),
        None => (link.trim_start_matches("steps="), ""),
    };
    let (back, again) = Replay::from_link(&start, Some(steps_text), Some(edits_text));
    if back != replay || !again.is_empty() {
        return Err(format!("{link:?} does not read back to itself ({again:?})"));
    }
    for entry in edits.split(';').take(MAX_EDITS) {
        if let Err(e) = parse_entry(entry) {
            clear(&e.to_string(), "edit entry error")?;
        }
    }
    Ok(if notes.is_empty() { Outcome::Accepted } else { Outcome::Repaired(notes.len()) })
}

/// An IDX file: its data is exactly its dims' worth of bytes, or a data error naming the file.
pub fn check_idx(bytes: &[u8]) -> Result<Outcome, String> {
    match parse_idx(bytes, Path::new("fuzz.idx")) {
        Ok(array) => {
            let expected: usize = array.dims.iter().product();
            if expected != array.data.len() {
                return Err(format!("dims {:?} but {} bytes", array.dims, array.data.len()));
            }
            Ok(Outcome::Accepted)
        }
        Err(e @ VaeError::Data { .. }) => {
            let message = e.to_string();
            clear(&message, "IDX error")?;
            if !message.starts_with("fuzz.idx: ") {
                return Err(format!("IDX error does not name the file: {message:?}"));
            }
            Ok(Outcome::Rejected(message))
        }
        Err(other) => Err(format!("IDX error of the wrong kind: {other:?}")),
    }
}

/// A weights file: a valid config and exactly its parameter count of finite values, or a weights
/// error naming the file.
pub fn check_weights(bytes: &[u8]) -> Result<Outcome, String> {
    match vaelab::weights::read(bytes, "fuzz.safetensors") {
        Ok(model) => {
            model.config.validate().map_err(|e| format!("a weights file gave an invalid config: {e}"))?;
            if model.params.len() != Architecture::new(&model.config).total
                || !model.params.iter().all(|v| v.is_finite())
            {
                return Err("a weights file gave the wrong number of parameters, or non-finite ones".into());
            }
            Ok(Outcome::Accepted)
        }
        Err(e @ VaeError::Weights { .. }) => {
            let message = e.to_string();
            clear(&message, "weights error")?;
            if !message.starts_with("weights file fuzz.safetensors: ") {
                return Err(format!("weights error does not name the file: {message:?}"));
            }
            Ok(Outcome::Rejected(message))
        }
        Err(other) => Err(format!("weights error of the wrong kind: {other:?}")),
    }
}

/// SplitMix64: a tiny seeded generator (the same inputs on every machine for one seed).
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { (self.next() % n as u64) as usize }
    }
}

/// Pieces of the link grammar and of number syntax that random bytes rarely hit.
const TOKENS: &[&str] = &[
    "&",
    "=",
    ";",
    ":",
    ",",
    "\n",
    "beta",
    "lr",
    "latent",
    "preset",
    "burda",
    "kl_warmup",
    "objective",
    "capacity",
    "iwae",
    "seed",
    "enc_hidden",
    "steps",
    "0",
    "1",
    "-1",
    "1e9",
    "1e-12",
    "NaN",
    "inf",
    "-0",
    "4294967296",
    "18446744073709551616",
    "0.0003",
    "+5",
    " ",
    "%",
    "é",
    "\u{0}",
    "\u{202e}",
    "true",
    "999999999999",
];
const BYTES: &[u8] = &[0, 1, 0x7f, 0x80, 0xff, 0x08, 0x1f, 0x8b, b'{', b'}', b'"', b'[', b']'];

/// 1 to 4 random edits of `seed` (bit flips, bytes, inserts, deletes, copies, tokens, cuts), half
/// of the positional ones within the first kilobyte (where headers are).
pub fn mutate(seed: &[u8], rng: &mut Rng) -> Vec<u8> {
    let mut out = seed.to_vec();
    for _ in 0..1 + rng.below(4) {
        let window = if rng.below(2) == 0 { out.len().min(1024) } else { out.len() };
        let at = rng.below(window + 1);
        match rng.below(8) {
            0 if at < out.len() => out[at] ^= 1 << rng.below(8),
            1 if at < out.len() => {
                out[at] = if rng.below(2) == 0 { BYTES[rng.below(BYTES.len())] } else { rng.next() as u8 }
            }
            2 => {
                let n = 1 + rng.below(8);
                let bytes: Vec<u8> = (0..n).map(|_| rng.next() as u8).collect();
                out.splice(at..at, bytes);
            }
            3 if at < out.len() => {
                let end = (at + 1 + rng.below(64)).min(out.len());
                out.drain(at..end);
            }
            4 if at < out.len() => {
                let end = (at + 1 + rng.below(64)).min(out.len());
                let copy = out[at..end].to_vec();
                let to = rng.below(out.len() + 1);
                out.splice(to..to, copy);
            }
            5 | 6 => {
                let token = TOKENS[rng.below(TOKENS.len())].as_bytes().to_vec();
                out.splice(at..at, token);
            }
            _ => out.truncate(at),
        }
    }
    out
}

/// Random bytes, `0..max` long; text targets get printable ASCII half of the time.
pub fn random_bytes(rng: &mut Rng, max: usize, text: bool) -> Vec<u8> {
    let n = rng.below(max);
    let printable = text && rng.below(2) == 0;
    (0..n).map(|_| if printable { 32 + rng.below(95) as u8 } else { rng.next() as u8 }).collect()
}
