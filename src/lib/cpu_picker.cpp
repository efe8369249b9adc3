#include "cpu_picker.hpp"

#include <algorithm>
#include <map>

namespace ktstr {

namespace {

// Free CPUs grouped by LLC. CPUs without cache information each form a group
// of their own, so they are used only when no real LLC fits.
struct Group {
  std::optional<unsigned> llc;
  std::optional<unsigned> node;
  std::vector<unsigned> cpus;
};

std::vector<Group> group_by_llc(const Topology& topo, const std::vector<unsigned>& free_cpus) {
  std::map<unsigned, Group> by_llc;
  std::vector<Group> groups;
  for (unsigned c : free_cpus) {
    const CpuPlace* place = topo.find_cpu(c);
    if (place == nullptr) continue;
    if (place->llc) {
      Group& g = by_llc[*place->llc];
      g.llc = place->llc;
      g.node = topo.llcs[*place->llc].node;
      g.cpus.push_back(c);
    } else {
      groups.push_back(Group{std::nullopt, place->node, {c}});
    }
  }
  std::vector<Group> out;
  for (auto& [idx, g] : by_llc)
    out.push_back(std::move(g));
  out.insert(out.end(), groups.begin(), groups.end());
  return out;
}

// Largest groups first; among equals, the lower LLC / CPU first.
std::vector<unsigned> fill_largest_first(std::vector<const Group*> groups, unsigned count) {
  std::stable_sort(groups.begin(), groups.end(),
                   [](const Group* a, const Group* b) { return a->cpus.size() > b->cpus.size(); });
  std::vector<unsigned> chosen;
  for (const Group* g : groups) {
    for (unsigned c : g->cpus) {
      if (chosen.size() == count) break;
      chosen.push_back(c);
    }
  }
  std::sort(chosen.begin(), chosen.end());
  return chosen;
}

std::size_t groups_needed(std::vector<const Group*> groups, unsigned count) {
  std::sort(groups.begin(), groups.end(),
            [](const Group* a, const Group* b) { return a->cpus.size() > b->cpus.size(); });
  std::size_t have = 0, used = 0;
  for (const Group* g : groups) {
    if (have >= count) break;
    have += g->cpus.size();
    ++used;
  }
  return used;
}

}  // namespace

std::optional<std::vector<unsigned>> pick_cpus(const Topology& topo,
                                               const std::vector<unsigned>& free_cpus,
                                               unsigned count) {
  if (count == 0) return std::vector<unsigned>{};
  std::vector<Group> groups = group_by_llc(topo, free_cpus);
  std::size_t total = 0;
  for (const auto& g : groups)
    total += g.cpus.size();
  if (total < count) return std::nullopt;

  // 1. One LLC, best fit. A CPU without cache information is a group of one
  // and would always fit a request for one CPU best; it is not an LLC, so it
  // only serves when no real LLC has room.
  const Group* best = nullptr;
  for (const auto& g : groups) {
    if (!g.llc) continue;
    if (g.cpus.size() >= count && (!best || g.cpus.size() < best->cpus.size())) best = &g;
  }
  if (best) return std::vector<unsigned>(best->cpus.begin(), best->cpus.begin() + count);

  // 2. Several LLCs: the node that needs the fewest of them.
  std::map<std::optional<unsigned>, std::vector<const Group*>> by_node;
  for (const auto& g : groups)
    by_node[g.node].push_back(&g);
  const std::vector<const Group*>* best_node = nullptr;
  std::size_t best_used = 0;
  for (const auto& [node, members] : by_node) {
    std::size_t free_here = 0;
    for (const Group* g : members)
      free_here += g->cpus.size();
    if (free_here < count) continue;
    std::size_t used = groups_needed(members, count);
    if (!best_node || used < best_used) {
      best_node = &members;
      best_used = used;
    }
  }
  if (best_node) return fill_largest_first(*best_node, count);

  // 3. No node has enough: span nodes.
  std::vector<const Group*> all;
  for (const auto& g : groups)
    all.push_back(&g);
  return fill_largest_first(all, count);
}

std::optional<CpuCapPlan> plan_cpu_cap(const Topology& topo, const std::vector<unsigned>& allowed,
                                       const std::vector<LlcState>& state, unsigned count) {
  if (count == 0) return std::nullopt;
  auto is_allowed = [&](unsigned c) {
    return std::binary_search(allowed.begin(), allowed.end(), c);
  };
  struct Candidate {
    unsigned llc;
    unsigned holders;
    unsigned node;
    std::vector<unsigned> cpus;  // allowed ones
  };
  std::vector<Candidate> ranked;
  std::size_t total = 0;
  for (const Llc& l : topo.llcs) {
    LlcState st = l.index < state.size() ? state[l.index] : LlcState{};
    if (st.exclusive) continue;
    Candidate c{l.index, st.shared_holders, l.node, {}};
    for (unsigned cpu : l.cpus) {
      if (is_allowed(cpu)) c.cpus.push_back(cpu);
    }
    if (c.cpus.empty()) continue;
    total += c.cpus.size();
    ranked.push_back(std::move(c));
  }
  if (total < count) return std::nullopt;
  std::stable_sort(ranked.begin(), ranked.end(), [](const Candidate& a, const Candidate& b) {
    if ((a.holders > 0) != (b.holders > 0)) return a.holders > 0;
    if (a.holders != b.holders) return a.holders > b.holders;
    return a.llc < b.llc;
  });
  // The seed's node, then the others ascending.
  std::vector<unsigned> nodes{ranked.front().node};
  for (const auto& c : ranked)
    nodes.push_back(c.node);
  std::sort(nodes.begin() + 1, nodes.end());
  nodes.erase(std::unique(nodes.begin() + 1, nodes.end()), nodes.end());
  nodes.erase(std::remove(nodes.begin() + 1, nodes.end(), nodes.front()), nodes.end());

  std::vector<const Candidate*> chosen;
  std::size_t have = 0;
  for (unsigned node : nodes) {
    for (const auto& c : ranked) {
      if (have >= count) break;
      if (c.node != node) continue;
      chosen.push_back(&c);
      have += c.cpus.size();
    }
    if (have >= count) break;
  }
  std::sort(chosen.begin(), chosen.end(),
            [](const Candidate* a, const Candidate* b) { return a->llc < b->llc; });
  CpuCapPlan plan;
  for (const Candidate* c : chosen) {
    plan.llcs.push_back(c->llc);
    for (unsigned cpu : c->cpus) {
      if (plan.cpus.size() < count) plan.cpus.push_back(cpu);
    }
  }
  return plan;
}

}  // namespace ktstr
