//! The MNIST classifier behind the image metrics: its network ([`model`]), its weights directory
//! ([`weights`]), how it was trained ([`train`]) and its batched inference ([`features`]).

pub mod features;
pub mod model;
pub mod train;
pub mod weights;

pub use features::{classify, Classified};
pub use model::{ClassifierConfig, MnistClassifier, TrainingRecord};
pub use train::{train_classifier, ClassifierTraining};
pub use weights::{load_classifier, save_classifier, DEFAULT_CLASSIFIER_DIR};
