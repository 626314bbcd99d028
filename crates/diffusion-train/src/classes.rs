//! The class handling of a run: whether labels go to the network, and the null class that label
//! dropout (classifier-free guidance training) and guided previews use.

use diffusion_data::Dataset;

use crate::config::TrainConfig;
use crate::error::{TrainError, TrainResult};

/// The classes of a class-conditional run.
#[derive(Debug, Clone, Copy)]
pub struct Classes {
    /// Classes in the data.
    pub data_classes: usize,
    /// The label that stands for "no class": the network's last class embedding.
    pub null_class: usize,
}

/// The classes of a run whose network has `model_classes` class embeddings, checked against the
/// data's labels; `None` for an unconditional network.
pub fn check_classes(
    model_classes: Option<usize>,
    data: &Dataset,
    config: &TrainConfig,
) -> TrainResult<Option<Classes>> {
    match (model_classes, data.num_classes) {
        (None, _) => Ok(None),
        (Some(_), None) => Err(TrainError::Config(
            "the model is class-conditional (num_class_embeds) but the data has no labels; use \
             labelled data or remove num_class_embeds"
                .into(),
        )),
        (Some(n), Some(k)) => {
            let needed = k + usize::from(config.label_dropout > 0.0);
            if n < needed {
                return Err(TrainError::Config(format!(
                    "the data has {k} classes; the model needs at least {needed} class embeddings \
                     (the last one is the null class for label dropout), it has {n}"
                )));
            }
            Ok(Some(Classes {
                data_classes: k,
                null_class: n - 1,
            }))
        }
    }
}
