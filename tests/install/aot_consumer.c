/* aot_consumer.c — calls a schedule compiled by lrs_compile_schedules. */
#include "sched.h"

#include <stdio.h>

int main(void)
{
    double r[2];
    my_lr_range(5, 2, r);
    printf("%.3f %.3f %.3f\n", my_lr(5), r[0], r[1]);
    return 0;
}
