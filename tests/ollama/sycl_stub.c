/*
 * Stand-in for libollama-ggml-sycl.so from bigdl-core-cpp 2.6.0 (Ollama 0.5.4-ipexllm).
 *
 * The real library drives an Intel GPU through SYCL/oneMKL and needs libsycl, libOpenCL,
 * libmkl_* and libtbb, none of which exist here. The server's libraries import exactly four
 * symbols from it (checked with `nm -D --undefined-only` against the real library):
 *
 *   libollama_ggml.so          ggml_backend_sycl_reg
 *   libollama_llava_shared.so  ggml_backend_sycl_init
 *   libollama_llama.so         ggml_backend_sycl_get_device_name
 *   libollama_llama.so         _Z26ggml_format_convert_to_xpuPKvPvmi  (a C++ symbol:
 *                              void ggml_format_convert_to_xpu(const void*, void*, size_t, int))
 *
 * Returning NULL from the registration and init functions means "no SYCL backend": the
 * registry skips a NULL registration and the server runs on the CPU backend alone.
 * The other two are reached only on SYCL (GPU) code paths.
 */
#include <stddef.h>

void *ggml_backend_sycl_reg(void) { return NULL; }

void *ggml_backend_sycl_init(int device) { (void)device; return NULL; }

const char *ggml_backend_sycl_get_device_name(int device) { (void)device; return "none"; }

void ggml_format_convert_to_xpu(const void *src, void *dst, size_t n, int type)
    __asm__("_Z26ggml_format_convert_to_xpuPKvPvmi");
void ggml_format_convert_to_xpu(const void *src, void *dst, size_t n, int type)
{
    (void)src; (void)dst; (void)n; (void)type;
}
