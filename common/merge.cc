#include "common/merge.h"

namespace fieldsync {

FieldResolution ResolveField(const std::vector<FieldWriteState>& writes) {
  FieldResolution r;
  for (size_t i = 1; i < writes.size(); ++i) {
    if (writes[r.winner].stamp < writes[i].stamp) r.winner = i;
  }
  const FieldWriteState& w = writes[r.winner];
  for (size_t i = 0; i < writes.size(); ++i) {
    if (i == r.winner) continue;
    const FieldWriteState& x = writes[i];
    if (x.value != w.value && x.stamp.hlc > w.base_hlc) {
      r.conflicts.push_back(i);
    }
  }
  return r;
}

}  // namespace fieldsync
