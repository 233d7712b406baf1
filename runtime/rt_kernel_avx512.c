/* rt_kernel_avx512.c — the avx512 instance of the kernel template. */
#include "rt_internal.h"
#include "rt_isa_avx512.h"

#include "rt_kernels.inc"
