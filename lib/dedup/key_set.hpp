#pragma once
// A set of 64-bit keys (already hashes) in one flat array: open addressing, linear probing,
// deletion by backward shift (no tombstones), kept at most half full (it doubles as it fills),
// so insert, find and erase are O(1) and allocate only when it grows. Dedup's id table: a
// node-based map cost a cache miss and an allocation per event.
#include <cstdint>
#include <vector>

namespace sb {

class KeySet {
 public:
  KeySet() { resize(16); }

  bool contains(std::uint64_t key) const {
    key = fix(key);
    for (std::size_t i = home(key);; i = (i + 1) & mask_) {
      if (slots_[i] == key) return true;
      if (slots_[i] == 0) return false;
    }
  }

  // False if it was there already.
  bool insert(std::uint64_t key) {
    if ((size_ + 1) * 2 > slots_.size()) resize(slots_.size() * 2);
    key = fix(key);
    std::size_t i = home(key);
    for (; slots_[i] != 0; i = (i + 1) & mask_)
      if (slots_[i] == key) return false;
    slots_[i] = key;
    ++size_;
    return true;
  }

  void erase(std::uint64_t key) {
    key = fix(key);
    std::size_t i = home(key);
    for (; slots_[i] != key; i = (i + 1) & mask_)
      if (slots_[i] == 0) return;
    // Backward shift: pull later members of the probe run into the hole when their home
    // position does not lie (cyclically) between the hole and them.
    for (std::size_t j = (i + 1) & mask_; slots_[j] != 0; j = (j + 1) & mask_) {
      const std::size_t h = home(slots_[j]);
      if (((j - h) & mask_) >= ((j - i) & mask_)) {
        slots_[i] = slots_[j];
        i = j;
      }
    }
    slots_[i] = 0;
    --size_;
  }

  std::size_t size() const { return size_; }

  // Starts loading the line where `key` lives: the table is bigger than the cache, so a key
  // to be erased later is prefetched now and its miss overlaps other work.
  void prefetch([[maybe_unused]] std::uint64_t key) const {
#if defined(__GNUC__) || defined(__clang__)
    __builtin_prefetch(slots_.data() + home(fix(key)));
#endif
  }

 private:
  static std::uint64_t fix(std::uint64_t key) { return key == 0 ? 1 : key; }  // 0 marks a free slot
  std::size_t home(std::uint64_t key) const {
    // The keys are hashes, but mix anyway: low bits of a weak hash must not cluster.
    return static_cast<std::size_t>((key * 0x9E3779B97F4A7C15ULL) >> 20) & mask_;
  }

  void resize(std::size_t size) {
    std::vector<std::uint64_t> old(size, 0);
    old.swap(slots_);
    mask_ = size - 1;
    size_ = 0;
    for (std::uint64_t key : old)
      if (key != 0) insert(key);
  }

  std::vector<std::uint64_t> slots_;
  std::size_t mask_ = 0;
  std::size_t size_ = 0;
};

}  // namespace sb
