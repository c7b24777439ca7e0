// The files a pod's containers bind-mount at /etc/hostname, /etc/hosts and
// /etc/resolv.conf, and the pod's /dev/shm. Written once per pod under
// <state_dir>/sandboxes/<id>/.
#pragma once

#include <string>

#include "absl/status/status.h"
#include "runtime/state/sandbox_record.h"

namespace ucr::runtime {

struct PodFilePaths {
  std::string hostname, hosts, resolv_conf, shm;
};

// The hostname the pod's containers see: the requested one, else (host
// network) the node's.
std::string PodHostname(const PodSpec& spec);

// resolv.conf text from the CRI DNS config; empty when the config is empty
// (the caller copies the host's file then).
std::string ResolvConfText(const network::DnsConfig& dns);

// /etc/hosts text: the host's file for host-network pods, else localhost
// entries plus "<ip> <hostname>" when the pod has an IP.
std::string HostsText(const PodSpec& spec, const std::string& hostname, const std::string& ip);

// Writes hostname and resolv.conf (atomically): they do not need the pod's IP.
absl::Status WritePodFiles(const PodFilePaths& paths, const PodSpec& spec);
// Writes hosts (atomically), with the pod's IP when it has one.
absl::Status WritePodHosts(const PodFilePaths& paths, const PodSpec& spec, const std::string& ip);

// tmpfs of 64 MiB (as containerd) at `target`, unless already mounted.
absl::Status MountPodShm(const std::string& target);
absl::Status UnmountPodShm(const std::string& target);

}  // namespace ucr::runtime
