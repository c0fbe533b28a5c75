//! Training data: an IDX reader/writer and the MNIST loader built on it, which hands the engine
//! bytes (and u32-packed words for the GPU).

pub mod idx;
pub mod mnist;

pub use idx::{IdxArray, encode_idx, parse_idx, read_idx_file};
pub use mnist::{
    Dataset, FASHION, FASHION_SHA256, KnownSet, MNIST, MNIST_SHA256, Mnist, default_data_dirs, verify_checksums,
    verify_set,
};
