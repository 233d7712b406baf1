/* rt_kernel_scalar.c — the scalar instance of the kernel template. */
#include "rt_internal.h"
#include "rt_isa_scalar.h"

#include "rt_kernels.inc"
