// Our proto must be wire-identical to the CRI: every service, rpc, message,
// enum, value, field number, name, type and label. This renders the compiled
// DescriptorPool in the wire table's format and compares it, block by block,
// with test/data/cri-wire.txt (a copy of the upstream-derived table).
#include <google/protobuf/compiler/importer.h>
#include <google/protobuf/descriptor.h>
#include <gtest/gtest.h>

#include <map>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "api.pb.h"
#include "common/files.h"

namespace ucr {
namespace {

namespace pb = google::protobuf;
using Table = std::map<std::string, std::vector<std::string>>;  // block header -> body lines

std::string RelativeName(const std::string& full, const std::string& package) {
  return std::string(absl::StripPrefix(full, package + "."));
}

std::string FieldType(const pb::FieldDescriptor* f, const std::string& package) {
  if (f->message_type()) return RelativeName(f->message_type()->full_name(), package);
  if (f->enum_type()) return RelativeName(f->enum_type()->full_name(), package);
  return f->type_name();
}

void AddEnum(const pb::EnumDescriptor* e, const std::string& package, Table* table) {
  auto& body = (*table)["enum " + RelativeName(e->full_name(), package)];
  for (int i = 0; i < e->value_count(); ++i) {
    body.push_back(absl::StrCat("  ", e->value(i)->name(), " ", e->value(i)->number()));
  }
}

void AddMessage(const pb::Descriptor* m, const std::string& package, Table* table) {
  if (m->options().map_entry()) return;
  auto& body = (*table)["message " + RelativeName(m->full_name(), package)];
  for (int i = 0; i < m->field_count(); ++i) {
    const pb::FieldDescriptor* f = m->field(i);
    std::string type;
    if (f->is_map()) {
      type = absl::StrCat("map<", FieldType(f->message_type()->map_key(), package), ",",
                          FieldType(f->message_type()->map_value(), package), ">");
    } else if (f->is_repeated()) {
      type = "repeated " + FieldType(f, package);
    } else if (f->has_optional_keyword()) {
      type = "optional " + FieldType(f, package);
    } else {
      type = FieldType(f, package);
    }
    body.push_back(absl::StrCat("  ", f->number(), " ", f->name(), " ", type));
  }
  for (int i = 0; i < m->nested_type_count(); ++i) AddMessage(m->nested_type(i), package, table);
  for (int i = 0; i < m->enum_type_count(); ++i) AddEnum(m->enum_type(i), package, table);
}

Table TableFromDescriptors(const pb::FileDescriptor* file) {
  const std::string package = file->package();
  Table table;
  table["package " + package];
  for (int i = 0; i < file->service_count(); ++i) {
    const pb::ServiceDescriptor* s = file->service(i);
    auto& body = table["service " + s->name()];
    for (int j = 0; j < s->method_count(); ++j) {
      const pb::MethodDescriptor* m = s->method(j);
      body.push_back(absl::StrCat("  rpc ", m->name(), " ", m->client_streaming() ? "stream " : "",
                                  RelativeName(m->input_type()->full_name(), package), " -> ",
                                  m->server_streaming() ? "stream " : "",
                                  RelativeName(m->output_type()->full_name(), package)));
    }
  }
  for (int i = 0; i < file->message_type_count(); ++i) AddMessage(file->message_type(i), package, &table);
  for (int i = 0; i < file->enum_type_count(); ++i) AddEnum(file->enum_type(i), package, &table);
  return table;
}

Table TableFromFile(const std::string& text) {
  Table table;
  std::vector<std::string>* body = nullptr;
  for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
    if (absl::StartsWith(line, "#")) continue;
    if (absl::StartsWith(line, "  ")) {
      if (body) body->push_back(std::string(line));
    } else {
      body = &table[std::string(line)];
    }
  }
  return table;
}

TEST(ProtoWireTest, CompiledProtoMatchesCriWireTableExactly) {
  absl::StatusOr<std::string> text = ReadFile(UCR_TEST_DATA_DIR "/cri-wire.txt");
  ASSERT_TRUE(text.ok()) << text.status();
  Table want = TableFromFile(*text);
  Table got = TableFromDescriptors(::runtime::v1::VersionRequest::descriptor()->file());
  ASSERT_GT(want.size(), 100u) << "wire table looks truncated";

  for (const auto& [header, lines] : want) {
    auto it = got.find(header);
    if (it == got.end()) {
      ADD_FAILURE() << "missing from our proto: " << header;
      continue;
    }
    EXPECT_EQ(it->second, lines) << "differs: " << header;
  }
  for (const auto& [header, lines] : got) {
    EXPECT_TRUE(want.count(header)) << "in our proto but not in the CRI: " << header;
  }
}

// Parses a .proto source at test time (the same way protoc does).
class ProtoSource {
 public:
  explicit ProtoSource(const std::string& text) {
    source_.reset(new pb::compiler::SourceTreeDescriptorDatabase(&tree_));
    tree_.AddFile("api.proto", text);
    pool_.reset(new pb::DescriptorPool(source_.get()));
  }
  const pb::FileDescriptor* file() { return pool_->FindFileByName("api.proto"); }

 private:
  // Only files added in memory are served.
  class MemoryTree : public pb::compiler::SourceTree {
   public:
    void AddFile(const std::string& name, const std::string& text) { files_[name] = text; }
    pb::io::ZeroCopyInputStream* Open(const std::string& name) override {
      auto it = files_.find(name);
      if (it == files_.end()) return nullptr;
      return new pb::io::ArrayInputStream(it->second.data(), static_cast<int>(it->second.size()));
    }

   private:
    std::map<std::string, std::string> files_;
  };
  MemoryTree tree_;
  std::unique_ptr<pb::compiler::SourceTreeDescriptorDatabase> source_;
  std::unique_ptr<pb::DescriptorPool> pool_;
};

TEST(ProtoWireTest, ProtoSourceMatchesCompiledCode) {
  absl::StatusOr<std::string> proto = ReadFile(UCR_SOURCE_DIR "/proto/api.proto");
  ASSERT_TRUE(proto.ok()) << proto.status();
  ProtoSource source(*proto);
  ASSERT_NE(source.file(), nullptr);
  EXPECT_EQ(TableFromDescriptors(source.file()),
            TableFromDescriptors(::runtime::v1::VersionRequest::descriptor()->file()));
}

TEST(ProtoWireTest, ChangedFieldNumberIsCaught) {
  // Guards the comparison itself: renumber one field and the tables must differ.
  absl::StatusOr<std::string> proto = ReadFile(UCR_SOURCE_DIR "/proto/api.proto");
  ASSERT_TRUE(proto.ok()) << proto.status();
  std::string changed = *proto;
  const std::string field = "string runtime_api_version = 4;";
  size_t at = changed.find(field);
  ASSERT_NE(at, std::string::npos);
  changed.replace(at, field.size(), "string runtime_api_version = 5;");
  ProtoSource source(changed);
  ASSERT_NE(source.file(), nullptr);
  absl::StatusOr<std::string> text = ReadFile(UCR_TEST_DATA_DIR "/cri-wire.txt");
  ASSERT_TRUE(text.ok());
  Table want = TableFromFile(*text);
  Table got = TableFromDescriptors(source.file());
  EXPECT_NE(got["message VersionResponse"], want["message VersionResponse"]);
  EXPECT_EQ(got["message VersionRequest"], want["message VersionRequest"]);
}

}  // namespace
}  // namespace ucr
