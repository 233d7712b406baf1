/* consumer.c — a program built out of tree against an installed lrs. */
#include <lrs.h>

#include <stdio.h>
#include <string.h>

int main(void)
{
    const char *src =
        "param total = 100\nschedule lr = linear(0 -> 1) for 10 then cosine(1 -> 0)\n";
    lrs_context *ctx = lrs_context_new();
    lrs_program *p = lrs_compile_string(ctx, "c.lrs", src, strlen(src), NULL, NULL);
    if (!p) return 1;
    lrs_fn f = lrs_program_function(p, 0);
    double a = lrs_interp_eval(p, 0, 5), b = f ? f(5) : -1;
    float w[4] = {1, 2, 3, 4}, g[4] = {1, 1, 1, 1};
    lrs_optim *o = lrs_optim_new(LRS_OPTIM_SGD);
    lrs_optim_hparams hp = lrs_optim_defaults(LRS_OPTIM_SGD);
    lrs_optim_add_group(o, w, g, 4, &hp);
    lrs_optim_bind(o, -1, "lr", f, 1.0);
    lrs_optim_step(o); /* lr(0) = 0: nothing moves */
    lrs_optim_step(o); /* lr(1) = 0.1 */
    printf("%.3f %.3f %.3f\n", a, b, w[0]);
    lrs_optim_free(o);
    lrs_program_free(p);
    lrs_context_free(ctx);
    return 0;
}
