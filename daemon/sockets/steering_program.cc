#include "daemon/sockets/steering_program.h"

#include <cstddef>

namespace pm {

namespace {

constexpr std::uint32_t kKernelChooses = 0xffffffff;
constexpr std::uint32_t kEthIpv6 = 0x86dd;

std::uint32_t net(int offset) {
  return static_cast<std::uint32_t>(SKF_NET_OFF + offset);
}

/// Classic BPF, written forwards; `ja` targets are patched once known.
class Program {
 public:
  void op(std::uint16_t code, std::uint32_t k = 0) { code_.push_back({code, 0, 0, k}); }
  void jeq(std::uint32_t k, std::uint8_t jt, std::uint8_t jf) {
    code_.push_back({BPF_JMP | BPF_JEQ | BPF_K, jt, jf, k});
  }
  void ret(std::uint32_t k) { op(BPF_RET | BPF_K, k); }
  /// An unconditional jump to be aimed later with land().
  std::size_t ja() {
    op(BPF_JMP | BPF_JA);
    return code_.size() - 1;
  }
  void land(std::size_t jump) { code_[jump].k = static_cast<std::uint32_t>(here() - jump - 1); }
  std::size_t here() const { return code_.size(); }

  /// A = the packet's family (ETH_P_IP or ETH_P_IPV6): a dual-stack socket
  /// gets both.
  void load_protocol() { op(BPF_LD | BPF_W | BPF_ABS, SKF_AD_OFF + SKF_AD_PROTOCOL); }

  /// A = the TCP source port.
  void load_source_port() {
    load_protocol();
    jeq(kEthIpv6, 0, 2);
    op(BPF_LD | BPF_H | BPF_ABS, net(40));  // IPv6: the TCP header follows
    std::size_t done = ja();
    op(BPF_LDX | BPF_B | BPF_MSH, net(0));  // IPv4: X = header length
    op(BPF_LD | BPF_H | BPF_IND, net(0));
    land(done);
  }

  /// A = a hash of the client's address, spread over 16 bits.
  void load_address_hash() {
    load_protocol();
    jeq(kEthIpv6, 0, 11);
    op(BPF_LD | BPF_W | BPF_ABS, net(8));  // IPv6 source address: 4 words
    for (int word = 1; word < 4; ++word) {
      op(BPF_MISC | BPF_TAX);
      op(BPF_LD | BPF_W | BPF_ABS, net(8 + 4 * word));
      op(BPF_ALU | BPF_XOR | BPF_X);
    }
    std::size_t done = ja();
    op(BPF_LD | BPF_W | BPF_ABS, net(12));  // IPv4 source address
    land(done);
    op(BPF_ALU | BPF_MUL | BPF_K, 0x9e3779b1);  // Fibonacci hashing
    op(BPF_ALU | BPF_RSH | BPF_K, 16);
  }

  /// Returns targets[A % targets.size()], or lets the kernel choose.
  void pick(const std::vector<int>& targets) {
    if (targets.size() < 2) {
      ret(targets.empty() ? kKernelChooses : static_cast<std::uint32_t>(targets[0]));
      return;
    }
    op(BPF_ALU | BPF_MOD | BPF_K, static_cast<std::uint32_t>(targets.size()));
    for (std::size_t i = 0; i + 1 < targets.size(); ++i) {
      jeq(static_cast<std::uint32_t>(i), 0, 1);
      ret(static_cast<std::uint32_t>(targets[i]));
    }
    ret(static_cast<std::uint32_t>(targets.back()));
  }

  std::vector<sock_filter> take() { return std::move(code_); }

 private:
  std::vector<sock_filter> code_;
};

}  // namespace

std::vector<sock_filter> steering_program(const Steering& steering) {
  Program program;
  if (!steering.probes.empty()) {
    program.load_source_port();
    for (const auto& [port, position] : steering.probes) {
      program.jeq(port, 0, 1);
      program.ret(static_cast<std::uint32_t>(position));
    }
  }
  const std::vector<int>& targets =
      steering.accepting.empty() ? steering.waiting : steering.accepting;
  if (steering.sticky && !steering.slots.empty()) {
    program.load_address_hash();
    program.op(BPF_ST, 0);
    program.op(BPF_ALU | BPF_MOD | BPF_K, static_cast<std::uint32_t>(steering.slots.size()));
    std::vector<std::size_t> to_spread;
    for (std::size_t slot = 0; slot < steering.slots.size(); ++slot) {
      program.jeq(static_cast<std::uint32_t>(slot), 0, 1);
      if (steering.slots[slot] >= 0)
        program.ret(static_cast<std::uint32_t>(steering.slots[slot]));
      else
        to_spread.push_back(program.ja());
    }
    program.ret(kKernelChooses);
    for (std::size_t jump : to_spread) program.land(jump);
    // The slot's instance is not accepting: another one, by the same hash.
    program.op(BPF_LD | BPF_MEM, 0);
    program.pick(targets);
  } else {
    program.op(BPF_LD | BPF_W | BPF_ABS, SKF_AD_OFF + SKF_AD_RANDOM);
    program.pick(targets);
  }
  std::vector<sock_filter> code = program.take();
  if (code.size() > BPF_MAXINSNS) code.clear();
  return code;
}

}  // namespace pm
