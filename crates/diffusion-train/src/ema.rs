//! The exponential moving average of the weights, the model the previews and the final samples
//! come from: `θ_ema ← d·θ_ema + (1 − d)·θ` with diffusers' EMAModel warm-up
//! `d_k = min(d_max, (1 + k)/(10 + k))` at update k (counted from 0).

use burn::module::Module;
use burn::tensor::backend::Backend;

use crate::config::EmaConfig;
use crate::params::{flat_params, map_params};

/// The decay of update `k` (0-based).
pub fn ema_decay(config: &EmaConfig, k: u64) -> f64 {
    if config.warmup {
        config.max_decay.min((1.0 + k as f64) / (10.0 + k as f64))
    } else {
        config.max_decay
    }
}

/// Moves `ema` towards `current` (same architecture, same backend) with decay `decay`.
pub fn ema_update<B: Backend, M: Module<B>>(ema: M, current: &M, decay: f64) -> M {
    let live = flat_params(current);
    map_params(ema, |key, old| {
        let new = live
            .get(key)
            .expect("the EMA copy has the live model's parameters")
            .clone();
        old.mul_scalar(decay) + new.mul_scalar(1.0 - decay)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::backend::Flex;
    use diffusion_model::{MlpConfig, MlpDenoiser, Network};

    #[test]
    fn decay_warms_up_and_updates_average() {
        let c = EmaConfig {
            max_decay: 0.999,
            warmup: true,
        };
        assert!((ema_decay(&c, 0) - 0.1).abs() < 1e-12);
        assert_eq!(ema_decay(&c, 1_000_000), 0.999);
        let config = MlpConfig {
            data_dim: 2,
            hidden_dim: 8,
            blocks: 1,
            time_features: 4,
            time_scale: 1.0,
            num_classes: None,
        };
        let device = Default::default();
        let a = MlpDenoiser::<Flex>::build(&config, 1, &device).unwrap();
        let b = MlpDenoiser::<Flex>::build(&config, 2, &device).unwrap();
        let mixed = ema_update(a.clone(), &b, 0.25);
        let (pa, pb, pm) = (flat_params(&a), flat_params(&b), flat_params(&mixed));
        for (key, m) in pm {
            let want = pa[&key].clone().mul_scalar(0.25) + pb[&key].clone().mul_scalar(0.75);
            let diff: f32 = (m - want).abs().max().into_scalar();
            assert!(diff < 1e-6, "{key}");
        }
    }
}
