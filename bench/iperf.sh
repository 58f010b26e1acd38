# shellcheck shell=bash
# Helpers shared by the benchmarks that read iperf3's text output (sourced, not run).

# Reads an iperf3 client report on stdin and prints the gigabytes (10^9 bytes) the receiver got.
# iperf3 scales the Transfer column itself (KBytes, MBytes, GBytes are powers of 1024).
iperf_received_gb()
{
	awk '/receiver/ {
		for (i = 2; i <= NF; i++) {
			if ($i == "KBytes") b = $(i - 1) * 1024
			else if ($i == "MBytes") b = $(i - 1) * 1048576
			else if ($i == "GBytes") b = $(i - 1) * 1073741824
			else if ($i == "Bytes") b = $(i - 1)
		}
	} END { if (b != "") printf "%.4f\n", b / 1e9 }'
}
