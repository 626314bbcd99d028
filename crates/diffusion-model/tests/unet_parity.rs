//! Our U-Net against diffusers: fixtures made by `tests/fixtures/make_unet_fixtures.py` hold
//! random-weight models, inputs and diffusers' outputs; we must match within 1e-4 max abs,
//! and our parameter paths must be exactly diffusers' state-dict keys.

mod common;

use burn::backend::Flex;
use common::{fixture, fixture_io, max_abs_diff, run_model, PARITY_FIXTURES};
use diffusion_model::weights::named_shapes;
use diffusion_model::{Network, UNet2DModel};

#[test]
fn forward_matches_diffusers_within_1e_4() {
    let device = Default::default();
    for name in PARITY_FIXTURES {
        let model = UNet2DModel::<Flex>::load_from(&fixture(name), &device)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let (inputs, expected_shape, expected) = fixture_io(name);
        let (shape, output) = run_model(&model, &inputs, &device);
        assert_eq!(shape, expected_shape, "{name}: output shape");
        let diff = max_abs_diff(&output, &expected);
        let scale = expected.iter().fold(0f32, |m, v| m.max(v.abs()));
        println!("{name}: max |ours − diffusers| = {diff:.3e} (outputs up to {scale:.2})");
        assert!(diff < 1e-4, "{name}: max abs diff {diff} ≥ 1e-4");
        assert!(scale > 0.1, "{name}: the fixture's output is degenerate");
    }
}

#[test]
fn parameter_paths_are_diffusers_state_dict_keys() {
    let device = Default::default();
    for name in PARITY_FIXTURES {
        let model = UNet2DModel::<Flex>::load_from(&fixture(name), &device).expect("fixture loads");
        let ours: Vec<String> = named_shapes::<Flex, _>(&model)
            .into_iter()
            .map(|(key, shape)| format!("{key} {shape:?}"))
            .collect();
        let text = std::fs::read_to_string(fixture(name).join("keys.txt")).expect("keys.txt");
        let mut theirs: Vec<String> = text
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
            .map(|l| {
                let (key, shape) = l
                    .split_once(char::is_whitespace)
                    .expect("`key shape` lines");
                let dims: Vec<usize> = shape
                    .trim_matches(|c| c == '[' || c == ']' || c == '(' || c == ')' || c == ' ')
                    .split(',')
                    .filter(|s| !s.trim().is_empty())
                    .map(|s| s.trim().parse().expect("dimension"))
                    .collect();
                format!("{key} {dims:?}")
            })
            .collect();
        theirs.sort();
        assert_eq!(
            ours, theirs,
            "{name}: parameter names and shapes differ from diffusers'"
        );
    }
}
