//! The long fuzz run of the parsers that read user input (link pairs, `edits`, IDX, safetensors):
//! seeded mutations of valid inputs and random bytes, counting panics and broken properties (see
//! fuzz_targets.rs). bench/fuzz.sh runs it: `cargo bench --bench fuzz -- [--inputs N] [--seed S]`.

#[path = "fuzz_targets.rs"]
mod fuzz_targets;

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Instant;

use fuzz_targets::{Outcome, Rng, TARGETS, Target, check, mutate, random_bytes, seeds};

const POOL: usize = 512; // inputs kept to mutate further (the seeds, then mutants that were read)

#[derive(Default)]
struct Tally {
    accepted: u64,
    repaired: u64,
    notes: u64,
    rejected: u64,
    panics: u64,
    broken: u64,
    kinds: BTreeMap<String, u64>,
    examples: Vec<String>,
}

/// A rejection's kind: its words with numbers, names and quoted parts blanked, the start only.
fn kind(message: &str) -> String {
    let body = message.split_once(": ").map_or(message, |(_, rest)| rest);
    let words: Vec<String> = body
        .split_whitespace()
        .take(6)
        .map(|w| {
            if w.chars().any(|c| c.is_ascii_digit() || c == '`' || c == '"' || c == '“') {
                "…".into()
            } else {
                w.into()
            }
        })
        .collect();
    words.join(" ")
}

fn run(target: Target, inputs: u64, seed: u64) -> Tally {
    let mut rng = Rng(seed ^ (target as u64 + 1).wrapping_mul(0x5851_f42d_4c95_7f2d));
    let mut pool = seeds(target);
    let text = matches!(target, Target::Pairs | Target::Edits);
    let mut t = Tally::default();
    for i in 0..inputs {
        let input = if rng.below(8) == 0 {
            random_bytes(&mut rng, 512, text)
        } else {
            mutate(&pool[rng.below(pool.len())], &mut rng)
        };
        match catch_unwind(AssertUnwindSafe(|| check(target, &input))) {
            Err(payload) => {
                t.panics += 1;
                let why = payload
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()));
                if t.examples.len() < 5 {
                    t.examples.push(format!(
                        "panic on input {i} {:?}: {}",
                        String::from_utf8_lossy(&input[..input.len().min(200)]),
                        why.unwrap_or_default()
                    ));
                }
            }
            Ok(Err(broken)) => {
                t.broken += 1;
                if t.examples.len() < 5 {
                    t.examples.push(format!("input {i}: {broken}"));
                }
            }
            Ok(Ok(outcome)) => {
                let outcome_was_clean = outcome == Outcome::Accepted;
                match outcome {
                    Outcome::Accepted => t.accepted += 1,
                    Outcome::Repaired(n) => {
                        t.repaired += 1;
                        t.notes += n as u64;
                    }
                    Outcome::Rejected(message) => {
                        t.rejected += 1;
                        *t.kinds.entry(kind(&message)).or_default() += 1;
                        continue; // rejected inputs are not mutated further
                    }
                }
                // Text that read cleanly is mostly keys the parser ignores: keep few of those.
                let keep = !(text && outcome_was_clean) || rng.below(16) == 0;
                if keep && input.len() <= 1 << 16 {
                    if pool.len() < POOL { pool.push(input) } else { pool[rng.below(POOL)] = input }
                }
            }
        }
    }
    t
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let value = |flag: &str, default: u64| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .map_or(default, |v| v.parse().expect("a whole number"))
    };
    let (inputs, seed) = (value("--inputs", 1_000_000), value("--seed", 1));
    std::panic::set_hook(Box::new(|_| {})); // panics are counted and shown below, not printed as they happen
    let mut failed = false;
    println!("fuzz: {inputs} inputs per parser, seed {seed} (1 in 8 random bytes, the rest mutations of valid inputs)");
    for target in TARGETS {
        let t0 = Instant::now();
        let t = run(target, inputs, seed);
        println!(
            "{target:?}: {inputs} inputs in {:.1} s: {} accepted, {} repaired ({} notes), {} rejected with a typed error, {} panics, {} broken properties",
            t0.elapsed().as_secs_f64(),
            t.accepted,
            t.repaired,
            t.notes,
            t.rejected,
            t.panics,
            t.broken
        );
        let mut kinds: Vec<_> = t.kinds.into_iter().collect();
        kinds.sort_by_key(|k| std::cmp::Reverse(k.1));
        for (kind, n) in kinds.iter().take(6) {
            println!("    {n:>8}  {kind}");
        }
        for example in &t.examples {
            println!("    ! {example}");
        }
        failed |= t.panics > 0 || t.broken > 0;
    }
    if failed {
        std::process::exit(1);
    }
}
