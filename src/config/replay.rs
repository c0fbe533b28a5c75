//! Links that rebuild a trained model: `steps=N` (train to step N on open, then pause) and
//! `edits=120:beta=4;900:lr=0.0003` (live changes, each with the step it took effect), read with clamping.

use serde::{Deserialize, Serialize};

use super::values::{KeyValue, Limits, shown};
use super::{ModelConfig, spec};

/// The most steps a link may ask the page to train on open (the reader can stop it any time).
pub const MAX_STEPS: u32 = 1_000_000;
/// The most edits a link may carry; more are dropped with a notice.
pub const MAX_EDITS: usize = 200;
const STEPS: Limits = Limits::range(0.0, MAX_STEPS as f64);

/// Live changes made at one step: from optimizer step `step` (0-based) on, the run used `pairs`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Edit {
    pub step: u32,
    /// `(key, value)` as a link writes them, in the order they were made.
    pub pairs: Vec<(String, String)>,
}

/// What a link says about rebuilding its model: train `steps` steps, applying `edits` on the way.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Replay {
    pub steps: u32,
    pub edits: Vec<Edit>,
}

/// Why one entry of an `edits` list was left out.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    #[error("{} has no step; write STEP:key=value", shown(.0))]
    NoStep(String),
    #[error("{} is not a step number (a whole number from 0 to {max})", shown(raw))]
    BadStep { raw: String, max: u32 },
    #[error("{} has no value; write STEP:key=value", shown(.0))]
    NoValue(String),
    #[error("{} is not a setting", shown(.0))]
    UnknownKey(String),
    #[error("{key} cannot change during a run (it starts a new model); left out")]
    Restarts { key: &'static str },
    #[error("step {step} comes after steps={steps}; left out")]
    PastEnd { step: u32, steps: u32 },
}

/// One entry, `STEP:key=value`, before its value is checked against the key's limits.
pub fn parse_entry(entry: &str) -> Result<(u32, &str, &str), EditError> {
    let (step, rest) = entry.split_once(':').ok_or_else(|| EditError::NoStep(entry.to_string()))?;
    let step = step.trim();
    let step = match step.parse::<u64>() {
        Ok(s) if s <= MAX_STEPS as u64 && !step.starts_with('+') => s as u32,
        _ => return Err(EditError::BadStep { raw: step.to_string(), max: MAX_STEPS }),
    };
    let (key, value) = rest.split_once('=').ok_or_else(|| EditError::NoValue(rest.to_string()))?;
    Ok((step, key.trim(), value))
}

impl Replay {
    /// Reads a link's `steps` and `edits` for a run that starts from `start`. Never fails: what is
    /// malformed, out of range or not a live change is repaired or left out, each with a note.
    /// Edits are kept in step order, only those at or before `steps`, and only changes a running
    /// model can take (those that need no new model, from the config table's restart rules).
    pub fn from_link(start: &ModelConfig, steps: Option<&str>, edits: Option<&str>) -> (Replay, Vec<String>) {
        let mut notes = Vec::new();
        let steps = steps.map_or(0, |raw| u32::from_text("steps", raw, &STEPS, &0, &mut notes));
        let Some(raw) = edits.filter(|e| !e.trim().is_empty()) else {
            return (Replay { steps, edits: Vec::new() }, notes);
        };
        let mut entries: Vec<(u32, &str, &str)> = Vec::new();
        let mut given = 0usize;
        for entry in raw.split(';').filter(|e| !e.trim().is_empty()) {
            given += 1;
            if given > MAX_EDITS {
                continue; // counted for the note below, never read
            }
            match parse_entry(entry) {
                Ok(parsed) => entries.push(parsed),
                Err(e) => notes.push(format!("edits: {e}")),
            }
        }
        if given > MAX_EDITS {
            notes.push(format!("edits: {given} given; keeping the first {MAX_EDITS}"));
        }
        if entries.windows(2).any(|w| w[0].0 > w[1].0) {
            notes.push("edits: not in step order; applied in step order".to_string());
            entries.sort_by_key(|e| e.0); // stable: changes at one step keep their order
        }
        let mut config = start.clone();
        let mut out: Vec<Edit> = Vec::new();
        for (step, key, value) in entries {
            match apply_entry(&config, step, steps, key, value, &mut notes) {
                Ok(Some(next)) => {
                    let text = spec(key).map(|s| s.access.text(&next)).unwrap_or_default();
                    push_pair(&mut out, step, key, text);
                    config = next;
                }
                Ok(None) => {} // the same value as before: nothing changed at that step
                Err(e) => notes.push(format!("edits: {e}")),
            }
        }
        (Replay { steps, edits: without_no_ops(start, out) }, notes)
    }

    /// The link's text for this replay: `steps=N` and, when there are edits, `&edits=…`. Edits after
    /// `steps` are left out (they did not shape the model at step N).
    pub fn to_link(&self) -> String {
        let entries: Vec<String> = self
            .edits
            .iter()
            .filter(|e| e.step <= self.steps)
            .flat_map(|e| e.pairs.iter().map(move |(k, v)| format!("{}:{k}={v}", e.step)))
            .collect();
        if entries.is_empty() {
            format!("steps={}", self.steps)
        } else {
            format!("steps={}&edits={}", self.steps, entries.join(";"))
        }
    }

    /// The config in force at step `step`: `start` with every edit made at or before it.
    pub fn config_at(&self, start: &ModelConfig, step: u32) -> (ModelConfig, Vec<String>) {
        let pairs = self.edits.iter().filter(|e| e.step <= step).flat_map(|e| e.pairs.iter());
        start.with_pairs(pairs.map(|(k, v)| (k.as_str(), v.as_str())))
    }
}

/// Applies one entry over `config`: the new config, `None` when nothing changed, or why it was left out.
fn apply_entry(
    config: &ModelConfig,
    step: u32,
    steps: u32,
    key: &str,
    value: &str,
    notes: &mut Vec<String>,
) -> Result<Option<ModelConfig>, EditError> {
    let spec = spec(key).ok_or_else(|| EditError::UnknownKey(key.to_string()))?;
    if step > steps {
        return Err(EditError::PastEnd { step, steps });
    }
    let mut next = config.clone();
    let mut value_notes = Vec::new();
    spec.access.set_text(&mut next, value, &spec.limits, &mut value_notes);
    notes.extend(value_notes.into_iter().map(|n| format!("edits, step {step}: {n}")));
    if config.needs_rebuild(&next) {
        return Err(EditError::Restarts { key: spec.key });
    }
    Ok((next != *config).then_some(next))
}

/// Drops changes that end where their step began (`4:beta=2;4:beta=1` from β = 1), and steps left
/// with none, so a list and its own link read back alike.
fn without_no_ops(start: &ModelConfig, edits: Vec<Edit>) -> Vec<Edit> {
    let mut config = start.clone();
    let mut out = Vec::with_capacity(edits.len());
    for mut edit in edits {
        edit.pairs.retain(|(k, v)| spec(k).is_some_and(|s| s.access.text(&config) != *v));
        if edit.pairs.is_empty() {
            continue;
        }
        config = config.with_pairs(edit.pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))).0;
        out.push(edit);
    }
    out
}

/// Adds `key=value` at `step` (the last edit, when it is at that step), the later value of a key winning.
fn push_pair(edits: &mut Vec<Edit>, step: u32, key: &str, value: String) {
    if edits.last().is_none_or(|e| e.step != step) {
        edits.push(Edit { step, pairs: Vec::new() });
    }
    let pairs = &mut edits.last_mut().expect("pushed above").pairs;
    pairs.retain(|(k, _)| k != key);
    pairs.push((key.to_string(), value));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(steps: &str, edits: &str) -> (Replay, Vec<String>) {
        Replay::from_link(&ModelConfig::default(), Some(steps), Some(edits))
    }

    #[test]
    fn the_issue_example_reads_back_exactly() {
        let (replay, notes) = read("3000", "120:beta=4;900:lr=0.0003");
        assert!(notes.is_empty(), "{notes:?}");
        assert_eq!(replay.steps, 3000);
        assert_eq!(replay.to_link(), "steps=3000&edits=120:beta=4;900:lr=0.0003");
        let (at_500, _) = replay.config_at(&ModelConfig::default(), 500);
        assert_eq!((at_500.beta, at_500.lr), (4.0, 1e-3));
        let (at_900, _) = replay.config_at(&ModelConfig::default(), 900);
        assert_eq!((at_900.beta, at_900.lr), (4.0, 3e-4));
    }

    #[test]
    fn repairs_are_explained() {
        let (replay, notes) = read("50", "x;abc:beta=2;5:beta;7:latent=3;9:nope=1;60:beta=3;3:beta=500;2:lr=0.01");
        let text = notes.join("\n");
        for want in [
            "has no step",
            "not a step number",
            "has no value",
            "latent cannot change",
            "is not a setting",
            "comes after steps=50",
            "is above 100",
            "not in step order",
        ] {
            assert!(text.contains(want), "no note containing {want:?} in\n{text}");
        }
        assert_eq!(replay.to_link(), "steps=50&edits=2:lr=0.01;3:beta=100");
    }

    #[test]
    fn steps_are_clamped_like_a_config_key() {
        let (replay, notes) = read("1e12", "");
        assert_eq!(replay.steps, MAX_STEPS);
        assert!(notes[0].starts_with("steps: "), "{notes:?}");
        let (replay, notes) = read("-4", "");
        assert_eq!((replay.steps, notes.len()), (0, 1));
    }

    #[test]
    fn a_huge_list_keeps_its_first_edits_with_one_note() {
        let long: Vec<String> = (0..5000).map(|i| format!("{}:beta={}", i + 1, 1 + i % 7)).collect();
        let (replay, notes) = read("10000", &long.join(";"));
        assert_eq!(replay.edits.last().unwrap().step, MAX_EDITS as u32);
        assert_eq!(notes, vec![format!("edits: 5000 given; keeping the first {MAX_EDITS}")]);
    }

    #[test]
    fn same_step_changes_merge_and_no_ops_vanish() {
        let (replay, notes) = read("10", "4:beta=2;4:lr=0.01;4:beta=3;6:beta=3;8:objective=capacity;9:beta=2;9:beta=3");
        assert!(notes.is_empty(), "{notes:?}");
        assert_eq!(replay.to_link(), "steps=10&edits=4:lr=0.01;4:beta=3;8:objective=capacity");
        let (_, notes) = read("10", "8:objective=iwae");
        assert!(notes[0].contains("objective cannot change"), "{notes:?}");
    }
}
