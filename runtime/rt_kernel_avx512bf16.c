/* rt_kernel_avx512bf16.c — the avx512bf16 instance of the kernel template:
 * the avx512 path, rounding to bfloat16 with VCVTNEPS2BF16. */
#include "rt_internal.h"
#include "rt_isa_avx512.h"

#include "rt_kernels.inc"
