#!/usr/bin/env bash
# The policy's GPU image must carry the CUDA major that the pinned ONNX Runtime GPU build links.
#
# Restores Routing.Policy with -p:OnnxRuntimeFlavor=Gpu, reads the NEEDED entries of the restored
# libonnxruntime_providers_cuda.so (readelf -d: libcudart.so.N, libcublas.so.N, libcublasLt.so.N) and
# compares N with the CUDA version of the `gpu` stage's FROM nvidia/cuda:<X.Y.Z>-cudnn…-runtime… image in
# services/Routing.Policy/Dockerfile. Also checks that the CPU and GPU ORT pins are the same version.
# Offline apart from the NuGet feed the tests already restore from; no GPU or Docker engine is needed (the
# image itself is not pulled: its tag is read as text).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
fail() { printf '  FAIL %s\n' "$*" >&2; exit 1; }

command -v readelf >/dev/null 2>&1 || {
  sudo=""; [[ "$(id -u)" == 0 ]] || sudo="sudo"
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends binutils >/dev/null
}

pin() { sed -n "s|.*<PackageVersion Include=\"$1\" Version=\"\([^\"]*\)\".*|\1|p" Directory.Packages.props; }
cpu="$(pin Microsoft.ML.OnnxRuntime)" gpu="$(pin Microsoft.ML.OnnxRuntime.Gpu)"
[[ -n "$cpu" && "$cpu" == "$gpu" ]] || fail "ONNX Runtime CPU ($cpu) and GPU ($gpu) pins differ"
echo "  ok   ONNX Runtime CPU and GPU flavours both at $gpu"

dotnet restore services/Routing.Policy -p:OnnxRuntimeFlavor=Gpu >/tmp/ort-gpu-restore.log 2>&1 \
  || { cat /tmp/ort-gpu-restore.log; fail "restore of the GPU flavour (Microsoft.ML.OnnxRuntime.Gpu $gpu)"; }
packages="$(dotnet nuget locals global-packages --list | sed 's/^global-packages: //')"
lib="$packages/microsoft.ml.onnxruntime.gpu.linux/$gpu/runtimes/linux-x64/native/libonnxruntime_providers_cuda.so"
[[ -f "$lib" ]] || fail "$lib is missing after the restore"
# Put the CPU flavour back in obj/ so that the next build of the policy is the default one.
dotnet restore services/Routing.Policy >/dev/null

mapfile -t majors < <(readelf -d "$lib" | sed -n 's/.*Shared library: \[\(libcudart\|libcublas\|libcublasLt\)\.so\.\([0-9]*\)\].*/\2/p' | sort -u)
[[ "${#majors[@]}" == 1 ]] || fail "$lib links CUDA runtime libraries of majors '${majors[*]}' (expected one)"
linked="${majors[0]}"
echo "  ok   ONNX Runtime GPU $gpu: libonnxruntime_providers_cuda.so links CUDA $linked (libcudart/libcublas .so.$linked)"

from="$(sed -n 's/^FROM \(nvidia\/cuda:[^ ]*\) AS gpu$/\1/p' services/Routing.Policy/Dockerfile)"
[[ -n "$from" ]] || fail "services/Routing.Policy/Dockerfile has no 'FROM nvidia/cuda:… AS gpu' stage"
[[ "$from" =~ ^nvidia/cuda:([0-9]+)\.[0-9]+\.[0-9]+-cudnn[0-9]*-runtime- ]] \
  || fail "$from is not an nvidia/cuda <version>-cudnn-runtime image"
image="${BASH_REMATCH[1]}"
[[ "$image" == "$linked" ]] || fail "the gpu stage is $from (CUDA $image) but ONNX Runtime GPU $gpu links CUDA $linked"
echo "  ok   policy gpu stage $from carries CUDA $image, the major ONNX Runtime links"
