/* lrs_mpi.h — data-parallel training over MPI with the optimizer state
 * sharded across ranks (ZeRO stage 1). A separate header and library
 * (lrs_mpi) so that liblrs and lrs.h never depend on MPI.
 *
 * Every rank holds all parameters and computes gradients on its share of
 * the batch. lrs_mpi_optim_step averages the gradients with a
 * reduce-scatter (each rank receives the average of its shard, summed in
 * rank order), applies loss-scale unscaling, the non-finite check and
 * global gradient-norm clipping, updates its shard of the parameters with
 * the single-process SIMD kernels, and all-gathers the parameters, so that
 * every rank ends the step with bit-identical parameters. Unless stated,
 * every function is collective: all ranks of the communicator call it in
 * the same order with the same arguments (buffers apart). */
#ifndef LRS_MPI_H
#define LRS_MPI_H

#include <mpi.h>

#include "lrs.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct lrs_mpi_optim lrs_mpi_optim;

/* Status codes beyond lrs.h's LRS_OPTIM_*. */
enum {
    LRS_MPI_ETIMEOUT = -20, /* a collective did not complete in time: a rank stopped or died */
    LRS_MPI_EMPI = -21      /* an MPI call failed */
};

/* A distributed optimizer of `kind` over a duplicate of `comm` (any
 * communicator). NULL on a bad kind, no memory or an MPI failure. */
LRS_API lrs_mpi_optim *lrs_mpi_optim_new(MPI_Comm comm, lrs_optim_kind kind);
LRS_API void lrs_mpi_optim_free(lrs_mpi_optim *d);
/* The last error on this rank ("" if none). Not collective. */
LRS_API const char *lrs_mpi_optim_error(const lrs_mpi_optim *d);

/* Add a group of n parameters (the full buffer on every rank, caller-owned)
 * and this rank's gradients for them (also full size; read, never
 * written). n < 2^31. Returns the group index or a negative status. */
LRS_API int lrs_mpi_optim_add_group(lrs_mpi_optim *d, float *params, float *grads, size_t n,
                                    const lrs_optim_hparams *hp);
/* As lrs_optim_bind / _bind_callback / _bind_id, on every rank's shard. */
LRS_API int lrs_mpi_optim_bind(lrs_mpi_optim *d, int group, const char *name, lrs_fn fn,
                               double scale);
LRS_API int lrs_mpi_optim_bind_callback(lrs_mpi_optim *d, int group, const char *name,
                                        double (*cb)(void *user, int64_t step), void *user,
                                        double scale);
LRS_API int lrs_mpi_optim_bind_id(lrs_mpi_optim *d, int group, const char *name, const char *id);
/* Skip a step whose averaged gradient is not finite (decided the same on
 * every rank). */
LRS_API int lrs_mpi_optim_set_skip_nonfinite(lrs_mpi_optim *d, int on);
/* Seconds a collective may wait for the other ranks before the call fails
 * with LRS_MPI_ETIMEOUT (default 300; > 0). Not collective, but set it the
 * same everywhere. */
LRS_API int lrs_mpi_optim_set_timeout(lrs_mpi_optim *d, double seconds);

/* Per-step options and results; a NULL pointer to lrs_mpi_optim_step means
 * all zero. */
typedef struct lrs_mpi_step {
    double inv_scale;    /* multiply the averaged gradient by this (0: by 1) */
    double max_norm;     /* clip the global gradient norm to this (0: no clipping) */
    double total_norm;   /* out: the global norm before clipping (if max_norm > 0) */
    int found_nonfinite; /* out: the averaged gradient had a NaN or infinity */
} lrs_mpi_step;
/* Reduce-scatter (average), unscale, check, clip, update the local shard,
 * all-gather. LRS_OPTIM_OK, LRS_OPTIM_SKIPPED, or an error (the same on
 * every rank unless it is LRS_MPI_ETIMEOUT / LRS_MPI_EMPI, after which the
 * communicator is unusable: call MPI_Abort). */
LRS_API int lrs_mpi_optim_step(lrs_mpi_optim *d, lrs_mpi_step *s);
/* Steps taken (not collective; -1 for a bad handle). */
LRS_API int64_t lrs_mpi_optim_step_count(const lrs_mpi_optim *d);
/* This rank's shard of `group`: elements [*first, *first + *count). Not collective. */
LRS_API int lrs_mpi_optim_shard(const lrs_mpi_optim *d, int group, size_t *first, size_t *count);
/* Read-only view of the local shard of a state buffer (*count elements
 * starting at parameter *first), or NULL. Not collective. */
LRS_API const float *lrs_mpi_optim_state(const lrs_mpi_optim *d, int group, const char *name,
                                         size_t *first, size_t *count);
/* The optimizer of the local shard (threads, SIMD path). Not collective. */
LRS_API lrs_optim *lrs_mpi_optim_local(lrs_mpi_optim *d);

/* One checkpoint of the whole optimizer, in the single-process format
 * (lrs_optim_save), written atomically by rank 0: loadable by
 * lrs_mpi_optim_load at any number of ranks, and by lrs_optim_load. */
LRS_API int lrs_mpi_optim_save(lrs_mpi_optim *d, const char *path);
/* Load a checkpoint written at any number of ranks (or by lrs_optim_save),
 * re-sharding it; flags as lrs_optim_load_flags. */
LRS_API int lrs_mpi_optim_load(lrs_mpi_optim *d, const char *path, unsigned flags);

#ifdef __cplusplus
}
#endif

#endif /* LRS_MPI_H */
