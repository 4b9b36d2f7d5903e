// Loading BPF objects: BTF required, verifier rejections reported with the complete log and the
// policy context, per-endpoint .rodata, program statistics.
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include "loader/bpf_support.h"
#include "loader/endpoint_config.h"
#include "loader/libbpf_log.h"
#include "loader/loaded_object.h"
#include "loader/verifier_report.h"
#include "test/unit/loader_test_support.h"
#include "test/unit/privileged.h"

namespace ciliumc::loader {
namespace {

using ciliumc::testing::fixtureObject;
using ciliumc::testing::kBtfRejectedFixture;
using ciliumc::testing::kRuntimeFixture;
using ciliumc::testing::kVerifierRejectedFixture;

constexpr const char* kTwoProgramLog =
    "libbpf: prog 'ciliumc_ingress': BPF program load failed: Permission denied\n"
    "libbpf: prog 'ciliumc_ingress': -- BEGIN PROG LOAD LOG --\n"
    "0: R1=ctx() R10=fp0\n"
    "; void *data = (void *)(long)skb->data; @ gen.c:4\n"
    "0: (61) r1 = *(u32 *)(r1 +76)         ; R1=pkt(r=0)\n"
    "; return *(volatile unsigned char *)(data + 20); @ gen.c:5\n"
    "1: (71) r0 = *(u8 *)(r1 +20)\n"
    "invalid access to packet, off=20 size=1, R1(id=0,off=20,r=0)\n"
    "R1 offset is outside of the packet\n"
    "processed 2 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0\n"
    "-- END PROG LOAD LOG --\n"
    "libbpf: prog 'ciliumc_ingress': failed to load: -13\n";

TEST(LoaderLogTest, FindsTheFailingProgramAndItsLog) {
  EXPECT_EQ(failedPrograms(kTwoProgramLog), std::vector<std::string>{"ciliumc_ingress"});
  std::string log = extractVerifierLog(kTwoProgramLog, "ciliumc_ingress");
  EXPECT_EQ(log.rfind("0: R1=ctx() R10=fp0\n", 0), 0u);
  EXPECT_NE(log.find("processed 2 insns"), std::string::npos);
  EXPECT_EQ(log.find("END PROG LOAD LOG"), std::string::npos);
  EXPECT_EQ(extractVerifierLog(kTwoProgramLog, "ciliumc_egress"), "");
  EXPECT_FALSE(mentionsBtfFallback(kTwoProgramLog));
  EXPECT_TRUE(mentionsBtfFallback("libbpf: Error loading .BTF into kernel: -22. BTF is optional, ignoring.\n"));
}

TEST(LoaderLogTest, AnalysesTheRejectionAndNamesThePolicy) {
  VerifierRejection rejection = analyseVerifierLog("ciliumc_ingress", extractVerifierLog(kTwoProgramLog));
  ASSERT_TRUE(rejection.instruction.has_value());
  EXPECT_EQ(*rejection.instruction, 1u);
  ASSERT_TRUE(rejection.sourceLine.has_value());
  EXPECT_EQ(rejection.sourceLine->file, "gen.c");
  EXPECT_EQ(rejection.sourceLine->line, 5u);
  EXPECT_EQ(rejection.reason, "invalid access to packet, off=20 size=1, R1(id=0,off=20,r=0)\nR1 offset is outside of the packet");

  ShapeContext context;
  context.shapeKey = "abc123";
  context.rules = {"rule 1: web.policy:3:5 (policy web, ingress rule 0)"};
  context.describeSourceLine = [](const SourceLine& line) -> std::optional<std::string> {
    return line.line == 5 ? std::optional<std::string>("the port tree of ingress") : std::nullopt;
  };
  std::string text = renderRejection(rejection, &context);
  EXPECT_NE(text.find("program 'ciliumc_ingress' of policy shape abc123"), std::string::npos) << text;
  EXPECT_NE(text.find("at instruction 1, gen.c:5"), std::string::npos) << text;
  EXPECT_NE(text.find("generated for the port tree of ingress"), std::string::npos) << text;
  EXPECT_NE(text.find("rule 1: web.policy:3:5 (policy web, ingress rule 0)"), std::string::npos) << text;
  EXPECT_NE(text.find(rejection.log), std::string::npos) << "the complete log is part of the message";
}

TEST(LoaderObjectTest, LoadsTheRuntimeWithBtfAndReportsStatistics) {
  CILIUMC_REQUIRE_BPF_OR_SKIP();
  const auto& elf = fixtureObject(kRuntimeFixture);
  ASSERT_TRUE(elf.ok()) << elf.error().message;
  std::string log;
  LoadRequest request;
  request.elf = *elf;
  request.libbpfLog = &log;
  auto object = loadObject(request);
  ASSERT_TRUE(object.ok()) << object.error().message;
  EXPECT_FALSE(mentionsBtfFallback(log));
  EXPECT_NE(bpf_object__btf(object->object()), nullptr);
  EXPECT_GE(object->programFd(Direction::Ingress), 0);
  EXPECT_GE(object->programFd(Direction::Egress), 0);
  EXPECT_NE(object->programFd(Direction::Ingress), object->programFd(Direction::Egress));
  ASSERT_EQ(object->stats().programs.size(), 2u);
  for (const ProgramStats& program : object->stats().programs) {
    EXPECT_GT(program.id, 0u);
    EXPECT_GT(program.verifiedInsns, 10u) << program.name;
    EXPECT_GT(program.jitedBytes, 0u) << program.name;
    EXPECT_GT(program.xlatedBytes, 0u) << program.name;
    RecordProperty(program.name + "_verified_insns", std::to_string(program.verifiedInsns));
  }
  EXPECT_GT(object->stats().loadMs, 0.0);
  RecordProperty("load_ms", std::to_string(object->stats().loadMs));
  for (const char* map : {"ciliumc_ipcache", "ciliumc_ct", "ciliumc_events", "ciliumc_config", "ciliumc_class",
                          "ciliumc_verdict"})
    EXPECT_GE(object->mapFd(map), 0) << map;
}

TEST(LoaderObjectTest, BtfFallbackIsAFailure) {
  CILIUMC_REQUIRE_BPF_OR_SKIP();
  const auto& elf = fixtureObject(kBtfRejectedFixture);
  ASSERT_TRUE(elf.ok()) << elf.error().message;
  LoadRequest request;
  request.elf = *elf;
  auto object = loadObject(request);
  ASSERT_FALSE(object.ok()) << "an object whose BTF the kernel refused must not count as loaded";
  EXPECT_NE(object.error().message.find("BTF is optional"), std::string::npos) << object.error().message;
  EXPECT_NE(object.error().message.find("Invalid arg"), std::string::npos) << "the BTF log says why";
}

TEST(LoaderObjectTest, VerifierRejectionCarriesTheCompleteLogAndThePolicy) {
  CILIUMC_REQUIRE_BPF_OR_SKIP();
  const auto& elf = fixtureObject(kVerifierRejectedFixture);
  ASSERT_TRUE(elf.ok()) << elf.error().message;
  ShapeContext context;
  context.shapeKey = "deadbeef";
  context.rules = {"rule 7: x.policy:1:1 (policy x, egress rule 0)"};
  std::optional<VerifierRejection> rejection;
  LoadRequest request;
  request.elf = *elf;
  request.context = &context;
  request.rejection = &rejection;
  auto object = loadObject(request);
  ASSERT_FALSE(object.ok());
  const std::string& message = object.error().message;
  ASSERT_TRUE(rejection.has_value()) << message;
  EXPECT_EQ(rejection->program, "ciliumc_ingress");
  EXPECT_NE(rejection->reason.find("invalid access to packet"), std::string::npos) << rejection->reason;
  EXPECT_NE(rejection->log.find("processed "), std::string::npos) << "the statistics line ends a complete log";
  ASSERT_TRUE(rejection->sourceLine.has_value()) << rejection->log;
  EXPECT_EQ(rejection->sourceLine->line, 5u);
  EXPECT_NE(rejection->sourceLine->code.find("unchecked packet read"), std::string::npos);
  EXPECT_NE(message.find("deadbeef"), std::string::npos) << message;
  EXPECT_NE(message.find("rule 7: x.policy:1:1"), std::string::npos) << message;
  EXPECT_NE(message.find(rejection->log), std::string::npos);
}

TEST(LoaderObjectTest, EndpointConstantsAreWrittenIntoRodata) {
  CILIUMC_REQUIRE_BPF_OR_SKIP();
  const auto& elf = fixtureObject(kRuntimeFixture);
  ASSERT_TRUE(elf.ok()) << elf.error().message;
  ciliumc_endpoint_config config = testing::fixtureConfig();
  config.endpoint_id = 4242;
  config.identity = 31337;
  config.ipv4[0] = 10;
  config.ipv4[3] = 9;
  config.ipv6[0] = 0xfd;
  config.ipv6[15] = 7;
  LoadRequest request;
  request.elf = *elf;
  request.endpoint = config;
  auto object = loadObject(request);
  ASSERT_TRUE(object.ok()) << object.error().message;
  auto before = endpointConfigIn(object->object());
  ASSERT_TRUE(before.ok()) << before.error().message;
  EXPECT_EQ(std::memcmp(&*before, &config, sizeof(config)), 0);
  // What the kernel holds: the frozen .rodata map's value.
  bpf_map* rodata = bpf_object__find_map_by_name(object->object(), ".rodata");
  ASSERT_NE(rodata, nullptr);
  std::vector<uint8_t> value(bpf_map__value_size(rodata));
  uint32_t key = 0;
  ASSERT_EQ(bpf_map_lookup_elem(bpf_map__fd(rodata), &key, value.data()), 0);
  EXPECT_NE(std::search(value.begin(), value.end(), reinterpret_cast<const uint8_t*>(&config),
                        reinterpret_cast<const uint8_t*>(&config) + sizeof(config)),
            value.end());
}

TEST(LoaderObjectTest, BpfAvailabilityCheck) {
  CILIUMC_REQUIRE_BPF_OR_SKIP();
  auto available = checkBpfAvailable();
  EXPECT_TRUE(available.ok()) << available.error().message;
}

// Without privileges the check fails with a hint (checked in a child that drops to nobody).
TEST(LoaderObjectTest, BpfAvailabilityCheckFailsWithoutPrivileges) {
  if (::geteuid() != 0) {
    auto available = checkBpfAvailable();
    ASSERT_FALSE(available.ok());
    EXPECT_NE(available.error().hint.find("root"), std::string::npos);
    return;
  }
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    if (::setresgid(65534, 65534, 65534) != 0 || ::setresuid(65534, 65534, 65534) != 0) ::_exit(3);
    auto available = checkBpfAvailable();
    ::_exit(!available.ok() && available.error().hint.find("root") != std::string::npos ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST(LoaderObjectTest, GarbageIsAnErrorNotACrash) {
  CILIUMC_REQUIRE_BPF_OR_SKIP();
  std::vector<uint8_t> garbage(64, 0x5a);
  LoadRequest request;
  request.elf = garbage;
  EXPECT_FALSE(loadObject(request).ok());
  request.elf = {};
  EXPECT_FALSE(loadObject(request).ok());
}

}  // namespace
}  // namespace ciliumc::loader
