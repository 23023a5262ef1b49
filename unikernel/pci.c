#include "arch.h"
#include "pci.h"

#define PCI_CONFIG_ADDRESS 0xcf8
#define PCI_CONFIG_DATA 0xcfc

static uint32_t pci_address(uint8_t bus, uint8_t slot, uint8_t func,
                            uint8_t off)
{
    return 0x80000000u | ((uint32_t)bus << 16) | ((uint32_t)slot << 11) |
           ((uint32_t)func << 8) | (off & 0xfc);
}

static uint32_t pci_read_raw(uint8_t bus, uint8_t slot, uint8_t func,
                             uint8_t off)
{
    outl(PCI_CONFIG_ADDRESS, pci_address(bus, slot, func, off));
    return inl(PCI_CONFIG_DATA);
}

uint32_t pci_read32(const struct pci_dev *d, uint8_t off)
{
    return pci_read_raw(d->bus, d->slot, d->func, off);
}

void pci_write16(const struct pci_dev *d, uint8_t off, uint16_t v)
{
    outl(PCI_CONFIG_ADDRESS, pci_address(d->bus, d->slot, d->func, off));
    outw(PCI_CONFIG_DATA + (off & 2), v);
}

int pci_find(uint16_t vendor, uint16_t device, struct pci_dev *out)
{
    /* Without a host bridge at 0:0.0 there is no PCI bus (-M microvm). */
    if ((pci_read_raw(0, 0, 0, 0) & 0xffff) == 0xffff)
        return -1;

    /*
     * NOTE: only bus 0 is scanned, where QEMU's -M pc puts every device; a
     * NIC behind a PCI bridge is not found. A full scan of 256 buses costs
     * 8192 port reads, each an exit to QEMU.
     */
    for (unsigned bus = 0; bus < 1; bus++) {
        for (uint8_t slot = 0; slot < 32; slot++) {
            uint32_t id = pci_read_raw((uint8_t)bus, slot, 0, 0);

            if ((id & 0xffff) == 0xffff)
                continue;
            uint32_t hdr = pci_read_raw((uint8_t)bus, slot, 0, 0x0c);
            uint8_t nfunc = (hdr & 0x00800000) ? 8 : 1;

            for (uint8_t func = 0; func < nfunc; func++) {
                id = pci_read_raw((uint8_t)bus, slot, func, 0);
                if ((id & 0xffff) != vendor || (id >> 16) != device)
                    continue;
                out->bus = (uint8_t)bus;
                out->slot = slot;
                out->func = func;
                out->vendor = vendor;
                out->device = device;
                out->irq_line =
                    (uint8_t)pci_read_raw((uint8_t)bus, slot, func, 0x3c);
                return 0;
            }
        }
    }
    return -1;
}
