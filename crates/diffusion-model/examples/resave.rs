//! Loads a diffusers `UNet2DModel` directory and saves it again with our writer (f16/bf16
//! weights become f32; legacy attention names become today's). Used to check that diffusers
//! loads what we write:
//!
//! ```text
//! cargo run -p diffusion-model --example resave -- SRC_DIR DST_DIR
//! python crates/diffusion-model/tests/fixtures/check_roundtrip.py DST_DIR IO.safetensors
//! ```

use std::process::ExitCode;

use burn::backend::Flex;
use diffusion_model::{Network, UNet2DModel};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [source, destination] = args.as_slice() else {
        eprintln!("usage: resave SRC_DIR DST_DIR");
        return ExitCode::from(2);
    };
    let result = UNet2DModel::<Flex>::load_from(source.as_ref(), &Default::default())
        .and_then(|model| model.save_to(destination.as_ref()));
    match result {
        Ok(()) => {
            println!("saved {destination}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
