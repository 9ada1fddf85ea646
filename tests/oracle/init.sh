#!/bin/busybox sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# /init of the oracle's initramfs.  /steps lists "PATH NAME" per line; each
# is loaded with /finit (one finit_module() call).  Results go to the second
# serial port (ttyS1) between @@ markers; the kernel console is ttyS0.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
out=/dev/ttyS1
{
	echo "@@ORACLE-BEGIN"
	echo "@@KERNEL $(uname -r) $(uname -v)"
	echo "@@BOOT-TAINTED $(cat /proc/sys/kernel/tainted)"
	dmesg -r | grep -iE 'taint|lockdown|module' | sed 's/^/@@BOOT-LOG /'
} >$out
# let late boot messages settle, then start from an empty ring buffer
sleep 1
dmesg -c >/dev/null
i=0
while read -r path name; do
	i=$((i + 1))
	before=$(cat /proc/sys/kernel/tainted)
	dmesg -c >/dev/null
	ret=$(/finit "$path")
	log=$(dmesg -r -c)
	{
		echo "@@STEP $i $path $name"
		echo "@@TAINTED-BEFORE $before"
		echo "@@RET $ret"
		[ -n "$log" ] && echo "$log" | sed 's/^/@@LOG /'
		echo "@@TAINTED $(cat /proc/sys/kernel/tainted)"
		if [ -r "/sys/module/$name/taint" ]; then
			echo "@@MODTAINT [$(cat "/sys/module/$name/taint")]"
			echo "@@MODSTATE $(cat "/sys/module/$name/initstate" 2>/dev/null)"
		fi
		echo "@@END-STEP $i"
	} >$out
done </steps
echo "@@ORACLE-END" >$out
sync
poweroff -f
