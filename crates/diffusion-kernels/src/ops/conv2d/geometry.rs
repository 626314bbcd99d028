//! The geometry of a 2-D convolution, shared by the im2col and direct kernels.

/// Geometry of a 2-D convolution (groups = 1, dilation = 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConvGeom {
    /// Batch size N.
    pub n: usize,
    /// Input channels.
    pub cin: usize,
    /// Input height.
    pub h: usize,
    /// Input width.
    pub w: usize,
    /// Output channels.
    pub cout: usize,
    /// Kernel height.
    pub kh: usize,
    /// Kernel width.
    pub kw: usize,
    /// Vertical stride.
    pub sh: usize,
    /// Horizontal stride.
    pub sw: usize,
    /// Vertical zero padding (each side).
    pub ph: usize,
    /// Horizontal zero padding (each side).
    pub pw: usize,
    /// Output height `(H + 2·ph − KH)/sh + 1`.
    pub oh: usize,
    /// Output width `(W + 2·pw − KW)/sw + 1`.
    pub ow: usize,
}

impl ConvGeom {
    /// Builds the geometry from the input/weight shapes; panics on inconsistent shapes.
    pub fn new(x: [usize; 4], weight: [usize; 4], stride: [usize; 2], padding: [usize; 2]) -> Self {
        let [n, cin, h, w] = x;
        let [cout, wcin, kh, kw] = weight;
        assert_eq!(
            cin, wcin,
            "conv2d: input has {cin} channels but weight expects {wcin} (groups must be 1)"
        );
        assert!(
            stride[0] > 0 && stride[1] > 0,
            "conv2d: stride must be non-zero"
        );
        assert!(
            h + 2 * padding[0] >= kh && w + 2 * padding[1] >= kw,
            "conv2d: kernel {kh}x{kw} larger than padded input {}x{}",
            h + 2 * padding[0],
            w + 2 * padding[1]
        );
        let oh = (h + 2 * padding[0] - kh) / stride[0] + 1;
        let ow = (w + 2 * padding[1] - kw) / stride[1] + 1;
        Self {
            n,
            cin,
            h,
            w,
            cout,
            kh,
            kw,
            sh: stride[0],
            sw: stride[1],
            ph: padding[0],
            pw: padding[1],
            oh,
            ow,
        }
    }

    /// Rows of the im2col matrix: `Cin*KH*KW`.
    #[inline]
    pub fn k(&self) -> usize {
        self.cin * self.kh * self.kw
    }
    /// Output pixels per sample.
    #[inline]
    pub fn ohw(&self) -> usize {
        self.oh * self.ow
    }
    /// Input pixels per sample.
    #[inline]
    pub fn hw(&self) -> usize {
        self.h * self.w
    }
    /// 1x1, stride 1, no padding: the input sample *is* the im2col matrix.
    #[inline]
    pub fn is_pointwise(&self) -> bool {
        self.kh == 1 && self.kw == 1 && self.sh == 1 && self.sw == 1 && self.ph == 0 && self.pw == 0
    }

    /// Valid output-column range `[lo, hi)` for kernel column `kx`
    /// (those `ox` with `0 <= ox*sw + kx - pw < w`).
    #[inline]
    pub(super) fn ox_range(&self, kx: usize) -> (usize, usize) {
        let lo = if kx >= self.pw {
            0
        } else {
            (self.pw - kx).div_ceil(self.sw)
        };
        let hi = if self.w + self.pw <= kx {
            0
        } else {
            ((self.w - 1 + self.pw - kx) / self.sw + 1).min(self.ow)
        };
        (lo.min(hi), hi)
    }
}
