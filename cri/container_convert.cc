#include "cri/container_convert.h"

#include <signal.h>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "runtime/container/process_args.h"

namespace ucr::cri {
namespace {

v1::ContainerState State(runtime::ContainerState state) { return static_cast<v1::ContainerState>(state); }

void FillMetadata(const runtime::ContainerRecord& r, v1::ContainerMetadata* out) {
  out->set_name(r.request.name);
  out->set_attempt(r.request.attempt);
}

void FillImage(const runtime::ContainerRecord& r, v1::ImageSpec* out) {
  out->set_image(r.request.image);
  out->mutable_annotations()->insert(r.request.image_annotations.begin(), r.request.image_annotations.end());
}

}  // namespace

runtime::cgroups::Resources ToResources(const v1::LinuxContainerResources& l) {
  runtime::cgroups::Resources r;
  r.cpu_period = l.cpu_period();
  r.cpu_quota = l.cpu_quota();
  r.cpu_shares = l.cpu_shares();
  r.memory_limit_bytes = l.memory_limit_in_bytes();
  r.memory_swap_limit_bytes = l.memory_swap_limit_in_bytes();
  r.cpuset_cpus = l.cpuset_cpus();
  r.cpuset_mems = l.cpuset_mems();
  for (const v1::HugepageLimit& h : l.hugepage_limits()) r.hugepage_limits.emplace_back(h.page_size(), h.limit());
  r.unified.insert(l.unified().begin(), l.unified().end());
  return r;
}

void FillResources(const runtime::cgroups::Resources& r, int64_t oom_score_adj, v1::LinuxContainerResources* out) {
  out->set_cpu_period(r.cpu_period);
  out->set_cpu_quota(r.cpu_quota);
  out->set_cpu_shares(r.cpu_shares);
  out->set_memory_limit_in_bytes(r.memory_limit_bytes);
  out->set_memory_swap_limit_in_bytes(r.memory_swap_limit_bytes);
  out->set_cpuset_cpus(r.cpuset_cpus);
  out->set_cpuset_mems(r.cpuset_mems);
  out->set_oom_score_adj(oom_score_adj);
  for (const auto& [size, limit] : r.hugepage_limits) {
    v1::HugepageLimit* h = out->add_hugepage_limits();
    h->set_page_size(size);
    h->set_limit(limit);
  }
  out->mutable_unified()->insert(r.unified.begin(), r.unified.end());
}

int SignalNumber(v1::Signal signal) {
  if (signal == v1::SIGNAL_RUNTIME_DEFAULT) return 0;
  std::string name = v1::Signal_Name(signal);  // "SIGNAL_SIGTERM"
  name = name.substr(7);
  int n = 0;
  if (name == "SIGRTMIN") return SIGRTMIN;
  if (name == "SIGRTMAX") return SIGRTMAX;
  if (absl::StartsWith(name, "SIGRTMINPLUS") && absl::SimpleAtoi(name.substr(12), &n)) return SIGRTMIN + n;
  if (absl::StartsWith(name, "SIGRTMAXMINUS") && absl::SimpleAtoi(name.substr(13), &n)) return SIGRTMAX - n;
  if (name == "SIGCLD") return SIGCHLD;
  if (name == "SIGPOLL") return SIGIO;
  if (name == "SIGIOT") return SIGABRT;
  absl::StatusOr<int> number = runtime::ParseSignal(name);
  return number.ok() ? *number : 0;
}

v1::Signal SignalEnum(int number) {
  for (int e = v1::Signal_MIN; e <= v1::Signal_MAX; ++e) {
    if (v1::Signal_IsValid(e) && e != v1::SIGNAL_RUNTIME_DEFAULT && SignalNumber(static_cast<v1::Signal>(e)) == number) {
      return static_cast<v1::Signal>(e);
    }
  }
  return v1::SIGNAL_RUNTIME_DEFAULT;
}

runtime::ContainerRequest ToContainerRequest(const v1::ContainerConfig& c) {
  runtime::ContainerRequest r;
  r.name = c.metadata().name();
  r.attempt = c.metadata().attempt();
  r.image = c.image().image();
  r.image_annotations.insert(c.image().annotations().begin(), c.image().annotations().end());
  r.command.assign(c.command().begin(), c.command().end());
  r.args.assign(c.args().begin(), c.args().end());
  r.working_dir = c.working_dir();
  for (const v1::KeyValue& kv : c.envs()) r.envs.emplace_back(kv.key(), kv.value());
  for (const v1::Mount& m : c.mounts()) {
    r.mounts.push_back({m.container_path(), m.host_path(), m.readonly(),
                        static_cast<runtime::Propagation>(m.propagation())});
  }
  r.labels.insert(c.labels().begin(), c.labels().end());
  r.annotations.insert(c.annotations().begin(), c.annotations().end());
  r.log_path = c.log_path();
  r.stdin = c.stdin();
  r.stdin_once = c.stdin_once();
  r.tty = c.tty();
  r.resources = ToResources(c.linux().resources());
  r.oom_score_adj = c.linux().resources().oom_score_adj();
  const v1::LinuxContainerSecurityContext& sc = c.linux().security_context();
  if (sc.has_run_as_user()) r.run_as_user = sc.run_as_user().value();
  if (sc.has_run_as_group()) r.run_as_group = sc.run_as_group().value();
  r.run_as_username = sc.run_as_username();
  r.supplemental_groups.assign(sc.supplemental_groups().begin(), sc.supplemental_groups().end());
  r.pid_mode = static_cast<runtime::NamespaceMode>(sc.namespace_options().pid());
  r.pid_target_id = sc.namespace_options().target_id();
  r.readonly_rootfs = sc.readonly_rootfs();
  r.privileged = sc.privileged();
  r.stop_signal = SignalNumber(c.stop_signal());
  return r;
}

void FillContainer(const runtime::ContainerRecord& r, v1::Container* out) {
  out->set_id(r.id);
  out->set_pod_sandbox_id(r.sandbox_id);
  FillMetadata(r, out->mutable_metadata());
  FillImage(r, out->mutable_image());
  out->set_image_ref(r.image_ref);
  out->set_image_id(r.image_id);
  out->set_state(State(r.state));
  out->set_created_at(r.created_at);
  out->mutable_labels()->insert(r.request.labels.begin(), r.request.labels.end());
  out->mutable_annotations()->insert(r.request.annotations.begin(), r.request.annotations.end());
}

void FillContainerStatus(const runtime::ContainerRecord& r, v1::ContainerStatus* out) {
  out->set_id(r.id);
  FillMetadata(r, out->mutable_metadata());
  out->set_state(State(r.state));
  out->set_created_at(r.created_at);
  out->set_started_at(r.started_at);
  out->set_finished_at(r.finished_at);
  out->set_exit_code(r.exit_code);
  FillImage(r, out->mutable_image());
  out->set_image_ref(r.image_ref);
  out->set_image_id(r.image_id);
  out->set_reason(r.reason);
  out->set_message(r.message);
  out->mutable_labels()->insert(r.request.labels.begin(), r.request.labels.end());
  out->mutable_annotations()->insert(r.request.annotations.begin(), r.request.annotations.end());
  for (const runtime::MountRequest& m : r.mounts) {
    v1::Mount* mount = out->add_mounts();
    mount->set_container_path(m.container_path);
    mount->set_host_path(m.host_path);
    mount->set_readonly(m.readonly);
    mount->set_propagation(static_cast<v1::MountPropagation>(m.propagation));
  }
  out->set_log_path(r.log_path);
  FillResources(r.request.resources, r.request.oom_score_adj, out->mutable_resources()->mutable_linux());
  v1::LinuxContainerUser* user = out->mutable_user()->mutable_linux();
  user->set_uid(r.uid);
  user->set_gid(r.gid);
  for (uint32_t gid : r.additional_gids) user->add_supplemental_groups(gid);
  out->set_stop_signal(SignalEnum(r.stop_signal));
}

}  // namespace ucr::cri
