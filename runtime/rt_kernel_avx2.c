/* rt_kernel_avx2.c — the avx2 instance of the kernel template. */
#include "rt_internal.h"
#include "rt_isa_avx2.h"

#include "rt_kernels.inc"
