#pragma once
// A FIFO on one power-of-two array that wraps around: pushing and popping at either end
// reuse the slots, so a queue that fills and drains all day allocates only when it grows past
// its largest size so far. (std::deque allocates and frees a block every few hundred bytes of
// items: per client, every 21 events.) Indexable, as a gather write needs.
#include <cstddef>
#include <utility>
#include <vector>

namespace sb {

template <typename T>
class RingBuffer {
 public:
  // Slots kept when the buffer drains empty; a bigger array (after a burst) is freed then.
  static constexpr std::size_t kKeptSlots = 512;

  bool empty() const { return size_ == 0; }
  std::size_t size() const { return size_; }
  std::size_t capacity() const { return slots_.size(); }

  T& operator[](std::size_t i) { return slots_[(head_ + i) & mask()]; }
  const T& operator[](std::size_t i) const { return slots_[(head_ + i) & mask()]; }
  T& front() { return (*this)[0]; }
  const T& front() const { return (*this)[0]; }
  T& back() { return (*this)[size_ - 1]; }
  const T& back() const { return (*this)[size_ - 1]; }

  template <typename... Args>
  T& emplace_back(Args&&... args) {
    if (size_ == slots_.size()) grow();
    T& slot = (*this)[size_];
    slot = T(std::forward<Args>(args)...);
    ++size_;
    return slot;
  }

  void pop_front() {
    front() = T();  // releases what the item owns now, not when the slot is reused
    head_ = (head_ + 1) & mask();
    --size_;
    if (size_ == 0) drained();
  }

  void pop_back() {
    back() = T();
    --size_;
    if (size_ == 0) drained();
  }

  // Removes the items from index `first` on for which `remove(item)` holds, keeping the order.
  template <typename Pred>
  void erase_from_if(std::size_t first, Pred remove) {
    std::size_t kept = first;
    for (std::size_t i = first; i < size_; ++i) {
      if (remove((*this)[i])) continue;
      if (kept != i) (*this)[kept] = std::move((*this)[i]);
      ++kept;
    }
    while (size_ > kept) pop_back();
  }

 private:
  std::size_t mask() const { return slots_.size() - 1; }

  void grow() {
    std::vector<T> bigger(slots_.empty() ? 16 : slots_.size() * 2);
    for (std::size_t i = 0; i < size_; ++i) bigger[i] = std::move((*this)[i]);
    slots_ = std::move(bigger);
    head_ = 0;
  }

  void drained() {
    head_ = 0;
    if (slots_.size() > kKeptSlots) slots_ = std::vector<T>();  // `= {}` would keep the capacity
  }

  std::vector<T> slots_;  // size is 0 or a power of two
  std::size_t head_ = 0;
  std::size_t size_ = 0;
};

}  // namespace sb
