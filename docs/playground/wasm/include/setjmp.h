/* setjmp.h for the WebAssembly build: this wasi-libc has none. clang
 * lowers setjmp/longjmp to WebAssembly exceptions (-mllvm
 * -wasm-enable-sjlj); the three functions it calls are in lrs_wasi.c. */
#ifndef LRS_WASM_SETJMP_H
#define LRS_WASM_SETJMP_H
typedef long jmp_buf[8];
int setjmp(jmp_buf env);
_Noreturn void longjmp(jmp_buf env, int val);
#endif
