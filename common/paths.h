// The on-disk layout, drawn once. Every path ucrd touches is built here, so
// the tree below is the whole truth about where state lives.
//
// <root_dir>  (default /var/lib/ucrd; survives reboots)
// ├── ucrd.lock                       flock held by the running ucrd
// ├── content/
// │   ├── blobs/sha256/<hex>          verified blobs (manifests, configs, layers)
// │   └── ingest/                     downloads in progress; wiped at start-up
// ├── layers/
// │   ├── <chain-id-hex>/             an unpacked layer: an overlayfs lowerdir
// │   ├── <chain-id-hex>.json         its metadata (diff id, size, parent)
// │   └── tmp/                        layers being unpacked; wiped at start-up
// ├── images/<image-id-hex>.json      image metadata (tags, digests, config)
// ├── containers/<a>/<id>/            <a>: the id's first hex digit (16 shards, made at
// │   │                               start-up; containers/ is chattr +T on ext4), as
// │   │                               sandboxes/: see common/sharded_dirs.h
// │   ├── container.json              the container's record (.container.json.prev: the
// │   │                               version before; rewrites exchange the two)
// │   ├── upper/ work/                its writable overlay layer
// │   └── ...
// ├── mountpoints/                    a read-only layer on top of images' layers: the
// │                                   mount points of every container (etc/hostname,
// │                                   etc/hosts, etc/resolv.conf, dev/ proc/ sys/), see
// │                                   runtime/container/mountpoint_layer.h
// ├── sandboxes/<a>/<id>/sandbox.json the pod's record
// └── network/results/<id>-eth0.json  a pod's CNI attachment: config, args, ADD result
//
// <state_dir>  (default /run/ucrd; tmpfs, gone on reboot like the processes)
// ├── ucrd.sock                       the CRI socket (the default socket path)
// ├── sandboxes/<id>/
// │   ├── ns/{net,ipc,uts}            pinned namespaces (bind mounts of /proc/<pid>/ns/*)
// │   ├── hostname hosts resolv.conf  files bind-mounted into the pod's containers
// │   └── shm/                        the pod's /dev/shm (tmpfs)
// └── containers/<id>/              a container's state_dir for the launcher
//     ├── rootfs/                     the overlay mount
//     ├── start.fifo                  StartContainer writes a byte: the process execs
//     ├── monitor.pid container.pid   "<pid> <starttime>" (the start time guards pid reuse)
//     ├── ctl.sock attach.sock        the monitor's control and attach sockets
//     ├── monitor.log                 the monitor's own messages (made at the first one)
//     └── exit.json                   written by the monitor when the container exits
//   (file names: runtime::StateFiles in runtime/launch/launcher.h)
#pragma once

#include "absl/strings/string_view.h"
#include <string>

#include "absl/strings/str_cat.h"
#include "common/sharded_dirs.h"

namespace ucr {

class Paths {
 public:
  Paths(std::string root_dir, std::string state_dir)
      : root_(std::move(root_dir)), state_(std::move(state_dir)) {}

  const std::string& root() const { return root_; }
  const std::string& state() const { return state_; }

  std::string LockFile() const { return absl::StrCat(root_, "/ucrd.lock"); }

  // image store
  std::string ContentDir() const { return absl::StrCat(root_, "/content"); }
  std::string BlobsDir() const { return absl::StrCat(root_, "/content/blobs/sha256"); }
  std::string BlobPath(absl::string_view hex) const { return absl::StrCat(BlobsDir(), "/", hex); }
  std::string IngestDir() const { return absl::StrCat(root_, "/content/ingest"); }
  std::string LayersDir() const { return absl::StrCat(root_, "/layers"); }
  std::string LayerDir(absl::string_view chain_hex) const {
    return absl::StrCat(LayersDir(), "/", chain_hex);
  }
  std::string LayerMetaPath(absl::string_view chain_hex) const {
    return absl::StrCat(LayersDir(), "/", chain_hex, ".json");
  }
  std::string LayersTmpDir() const { return absl::StrCat(root_, "/layers/tmp"); }
  std::string ImagesDir() const { return absl::StrCat(root_, "/images"); }
  std::string ImageMetaPath(absl::string_view id_hex) const {
    return absl::StrCat(ImagesDir(), "/", id_hex, ".json");
  }

  // pods and containers, persistent part
  std::string ContainersDir() const { return absl::StrCat(root_, "/containers"); }
  std::string MountpointLayerDir() const { return absl::StrCat(root_, "/mountpoints"); }
  // Sharded by the id's first hex digit: see common/sharded_dirs.h.
  std::string ContainerDir(absl::string_view id) const { return ShardedPath(ContainersDir(), id); }
  std::string SandboxesDir() const { return absl::StrCat(root_, "/sandboxes"); }
  std::string SandboxDir(absl::string_view id) const { return ShardedPath(SandboxesDir(), id); }

  std::string SandboxRecordPath(absl::string_view id) const {
    return absl::StrCat(SandboxDir(id), "/sandbox.json");
  }
  std::string ContainerRecordPath(absl::string_view id) const {
    return absl::StrCat(ContainerDir(id), "/container.json");
  }
  std::string ContainerUpperDir(absl::string_view id) const { return absl::StrCat(ContainerDir(id), "/upper"); }
  std::string ContainerWorkDir(absl::string_view id) const { return absl::StrCat(ContainerDir(id), "/work"); }
  // pod networking: the CNI result cache (DEL replays what ADD used)
  std::string NetworkResultsDir() const { return absl::StrCat(root_, "/network/results"); }

  // pods and containers, runtime part
  std::string SandboxesStateDir() const { return absl::StrCat(state_, "/sandboxes"); }
  std::string SandboxStateDir(absl::string_view id) const {
    return absl::StrCat(state_, "/sandboxes/", id);
  }
  std::string SandboxNsDir(absl::string_view id) const { return absl::StrCat(SandboxStateDir(id), "/ns"); }
  std::string SandboxHostnamePath(absl::string_view id) const {
    return absl::StrCat(SandboxStateDir(id), "/hostname");
  }
  std::string SandboxHostsPath(absl::string_view id) const { return absl::StrCat(SandboxStateDir(id), "/hosts"); }
  std::string SandboxResolvConfPath(absl::string_view id) const {
    return absl::StrCat(SandboxStateDir(id), "/resolv.conf");
  }
  std::string SandboxShmDir(absl::string_view id) const { return absl::StrCat(SandboxStateDir(id), "/shm"); }
  std::string ContainersStateDir() const { return absl::StrCat(state_, "/containers"); }
  // The container's state dir is also the launcher's (monitor.pid,
  // container.pid, start.fifo, ctl.sock, attach.sock, exit.json, monitor.log).
  std::string ContainerStateDir(absl::string_view id) const {
    return absl::StrCat(state_, "/containers/", id);
  }
  std::string ContainerRootfs(absl::string_view id) const { return absl::StrCat(ContainerStateDir(id), "/rootfs"); }

 private:
  std::string root_;
  std::string state_;
};

}  // namespace ucr
