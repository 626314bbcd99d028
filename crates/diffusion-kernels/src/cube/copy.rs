//! A plain device-to-device copy: the bandwidth yardstick the fused kernels are measured against
//! (a kernel that reads and writes each byte once cannot beat it).

use cubecl::prelude::*;
use cubecl::server::Handle;

use super::launch::grid;

/// Four f32 as one 128-bit vector: the widest load and store.
type Vec4 = Vector<f32, Const<4>>;

/// `out[i] = input[i]` over 128-bit vectors.
#[cube(launch)]
fn copy_kernel(input: &Array<Vec4>, out: &mut Array<Vec4>, vectors: u32) {
    let i = ABSOLUTE_POS as u32;
    if i >= vectors {
        terminate!();
    }
    out[i as usize] = input[i as usize];
}

/// Copies `len` f32 (a multiple of 4) from `input` to `out` on the device.
pub fn launch_copy<R: Runtime>(
    client: &ComputeClient<R>,
    input: &Handle,
    out: &Handle,
    len: usize,
) {
    let vectors = len / 4;
    let (count, dim) = grid(client, vectors);
    unsafe {
        copy_kernel::launch::<R>(
            client,
            count,
            dim,
            ArrayArg::from_raw_parts(input.clone(), vectors),
            ArrayArg::from_raw_parts(out.clone(), vectors),
            vectors as u32,
        );
    }
}
