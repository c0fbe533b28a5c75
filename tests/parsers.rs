//! Property tests of the parsers that read what a user hands the lab: link pairs, the `edits` list,
//! IDX files and weights files. Each takes thousands of mutated valid inputs and random ones; the
//! properties (no panic, a valid result or a typed error that names the problem) are in bench/fuzz_targets.rs.

#[path = "../bench/fuzz_targets.rs"]
mod fuzz_targets;

use fuzz_targets::{Outcome, Rng, Target, check, check_edits, check_pairs, mutate, seeds};
use proptest::prelude::*;
use vaelab::config::SCHEMA;

const CASES: u32 = 3000;

fn holds(target: Target, input: &[u8]) -> Result<Outcome, TestCaseError> {
    check(target, input).map_err(TestCaseError::fail)
}

/// A valid seed of `target` changed by the seeded mutator (the fuzz run's inputs, fewer of them).
fn mutated(target: Target) -> impl Strategy<Value = Vec<u8>> {
    let seeds = seeds(target);
    (0..seeds.len(), any::<u64>()).prop_map(move |(i, s)| mutate(&seeds[i], &mut Rng(s)))
}

/// A link's pairs: known keys (and a few others) with values from number and word syntax.
fn pairs_text() -> impl Strategy<Value = String> {
    let keys: Vec<String> =
        SCHEMA.iter().map(|s| s.key.to_string()).chain(["preset".into(), "nope".into(), "".into()]).collect();
    let pair =
        (proptest::sample::select(keys), "[-+0-9a-z.,eE ]{0,14}|\\PC{0,10}").prop_map(|(k, v)| format!("{k}={v}"));
    proptest::collection::vec(pair, 0..12).prop_map(|p| p.join("&"))
}

/// An edits list: entries of steps, keys and values near the grammar, separators sometimes wrong.
fn edits_text() -> impl Strategy<Value = String> {
    let keys: Vec<String> = SCHEMA.iter().map(|s| s.key.to_string()).chain(["x".into(), "".into()]).collect();
    let entry = ("[0-9]{0,8}|-1|1e3|\\PC{0,3}", proptest::sample::select(keys), "[-+0-9a-z.eE]{0,10}", 0..4usize)
        .prop_map(|(s, k, v, form)| match form {
            0 => format!("{s}{k}={v}"),
            1 => format!("{s}:{k}{v}"),
            _ => format!("{s}:{k}={v}"),
        });
    proptest::collection::vec(entry, 0..20).prop_map(|e| e.join(";"))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: CASES, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn link_pairs_always_give_a_valid_config(text in pairs_text()) {
        check_pairs(&text).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn link_pairs_survive_mutation(input in mutated(Target::Pairs)) {
        holds(Target::Pairs, &input)?;
    }

    #[test]
    fn edits_are_ordered_live_and_read_back(steps in "[0-9]{0,8}|-5|abc|1e20", edits in edits_text()) {
        check_edits(&steps, &edits).map_err(TestCaseError::fail)?;
    }

    #[test]
    fn edits_survive_mutation(input in mutated(Target::Edits)) {
        holds(Target::Edits, &input)?;
    }

    #[test]
    fn idx_reader_survives_mutation(input in mutated(Target::Idx)) {
        holds(Target::Idx, &input)?;
    }

    #[test]
    fn idx_reader_survives_random_bytes(input in proptest::collection::vec(any::<u8>(), 0..64)) {
        holds(Target::Idx, &input)?;
    }

    #[test]
    fn weights_reader_survives_mutation(input in mutated(Target::Safetensors)) {
        holds(Target::Safetensors, &input)?;
    }

    #[test]
    fn weights_reader_survives_random_bytes(input in proptest::collection::vec(any::<u8>(), 0..256)) {
        // Random bytes are never a weights file.
        prop_assert!(matches!(holds(Target::Safetensors, &input)?, Outcome::Rejected(_)));
    }
}

/// The seeds themselves are read cleanly: a mutation starts from something valid.
#[test]
fn every_seed_is_accepted() {
    for target in fuzz_targets::TARGETS {
        for (i, seed) in seeds(target).iter().enumerate() {
            assert_eq!(check(target, seed), Ok(Outcome::Accepted), "{target:?} seed {i}");
        }
    }
}
