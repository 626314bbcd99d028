//! End to end with a real network: a diffusers-made class-conditional U-Net (the model crate's
//! parity fixture) loaded from its directory, sampled with guidance and several samplers; images
//! come out finite, shaped, and the same whatever the batch split.

use std::path::Path;

use burn::backend::Flex;
use diffusion_model::Network;
use diffusion_model::UNet2DModel;
use diffusion_sampling::run::{check_finite, to_host};
use diffusion_sampling::{
    Guided, NetworkDenoiser, NoiseIdentity, PlanOptions, Run, Sampler, SchedulerConfig,
};

fn unet() -> UNet2DModel<Flex> {
    let dir =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../diffusion-model/tests/fixtures/mnist_cond");
    UNet2DModel::load_from(&dir, &Default::default()).unwrap()
}

#[test]
fn a_loaded_unet_samples_with_guidance_independently_of_the_batch() {
    let scheduler = SchedulerConfig::ddpm_default();
    let model = NetworkDenoiser::new(
        unet(),
        scheduler.process().unwrap(),
        scheduler.prediction().unwrap(),
    );
    let guided = Guided::new(&model, 3.0, 10).unwrap();
    let labels = [3usize, 7, 1];
    let device = Default::default();
    for name in ["ddim", "euler-ancestral", "dpmpp-2m"] {
        let sampler = Sampler::parse(name, 0.0).unwrap();
        let mut options = PlanOptions::new(scheduler.spacing().unwrap());
        if name == "dpmpp-2m" {
            options = PlanOptions::new(sampler.diffusers_default_spacing());
        }
        options.clip = scheduler.clip();
        let plan = sampler.plan(&model.process, 4, &options).unwrap();
        let run = |labels: &[usize], first: u64| {
            let noise = NoiseIdentity {
                seed: 21,
                first_sample: first,
            };
            Run::<Flex, _, 4>::new(&plan, &guided, Some(labels), noise)
                .sample([labels.len(), 1, 28, 28], &device)
                .unwrap()
        };
        let whole = run(&labels, 0);
        check_finite(&whole).unwrap();
        assert_eq!(whole.dims(), [3, 1, 28, 28]);
        let whole = to_host(whole);
        let mut split = to_host(run(&labels[..1], 0));
        split.extend(to_host(run(&labels[1..], 1)));
        let worst = whole
            .iter()
            .zip(&split)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        assert!(
            worst < 1e-5,
            "{name}: batch split changes images by {worst}"
        );
        assert!(
            whole.iter().all(|v| v.abs() <= 1.0 + 1e-6),
            "{name}: clipped x₀ keeps images in [-1, 1]"
        );
    }
}
