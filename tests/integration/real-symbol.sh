#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# kexport symbol on Debian's real kernels and their linux-source trees,
# every pinned generation oldest first (tests/kernels.conf), against facts
# computed without kexport (real-symbol.py): unmap_mapping_range (the GPFS request), dma_buf_get
# (the NVIDIA request; it gains the DMA_BUF namespace between 5.10 and 6.1),
# kernel_fpu_begin_mask (x86 only) and usb_stor_probe1 (namespace
# USB_STORAGE).
#   real-symbol.sh ARCH
. "$(dirname "$0")/lib.sh"
arch=${1:?arch}
kernels=()
for abi in $(kx_generation_abis); do
	use_kernel "$arch" "$abi"
	spec=$(kx_generation_field "$abi" 3)  # linux-source-X.Y=VERSION
	cache=$("$top/scripts/fetch-kernels.sh" source "$abi") || fail "cannot fetch ${spec%%=*} (see above)"
	src=$cache/source/${spec#*=}/${spec%%=*}
	[ -d "$src" ] || fail "no source tree at $src"
	kernels+=("$abi-$arch:$tree:$symvers:$src")
done
python3 "$top/tests/integration/real-symbol.py" "$KEXPORT" \
	unmap_mapping_range,dma_buf_get,kernel_fpu_begin_mask,usb_stor_probe1 "${kernels[@]}"
